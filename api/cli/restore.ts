/**
 * `npm run restore -- <folder> [--replace]` — restore a backup made by `npm run backup` into the
 * configured database. The database must be empty; `--replace` drops and re-creates it first,
 * and refuses while a Xinlian server is connected (stop it first).
 */
import { loadConfig } from '../config.ts'
import { connect } from '../../workflows/runtime/platform/connect.ts'
import { restoreDatabase } from '../../workflows/runtime/platform/backup.ts'
import { startBoss } from '../../workflows/runtime/boss.ts'
import { toolDatabase } from './tool-database.ts'

const dir = process.argv[2]
if (!dir || dir.startsWith('--')) {
  console.error('usage: npm run restore -- <backup folder> [--replace]')
  process.exit(2)
}
const replace = process.argv.includes('--replace')
const db = await toolDatabase(loadConfig())
try {
  const name = new URL(db.url).pathname.slice(1)
  if (replace) {
    const admin = connect(db.adminUrl, 1)
    try {
      const [busy] = await admin<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity where datname = ${name} and pid <> pg_backend_pid()`
      if (busy!.n > 0)
        throw new Error(`${busy!.n} connections to ${name} are open: stop the Xinlian server first`)
      await admin.unsafe(`drop database if exists "${name.replaceAll('"', '""')}"`)
      await admin.unsafe(`create database "${name.replaceAll('"', '""')}"`)
    } finally {
      await admin.end()
    }
  }
  const m = await restoreDatabase(dir, db.url, async (url) => {
    const boss = await startBoss(url, { supervise: false })
    await boss.stop({ graceful: false, close: true })
  })
  console.log(`restored ${dir} (${m.format}, made ${m.createdAt}) into ${name}`)
} finally {
  await db.close()
}
