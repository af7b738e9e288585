/**
 * `npm run backup [-- <folder>]` — back the whole database up (cases, events, ECG attachments,
 * audit trail, users, pending timers) into a new folder, by default
 * <data dir>/backups/xinlian-<time>. Works while the server runs (one consistent snapshot).
 * XINLIAN_BACKUP_METHOD=pg_dump|xinlian-rows forces a format (workflows/runtime/platform/backup.ts).
 */
import path from 'node:path'
import { loadConfig } from '../config.ts'
import { backupDatabase, type BackupMethod } from '../../workflows/runtime/platform/backup.ts'
import { toolDatabase } from './tool-database.ts'

const config = loadConfig()
const stamp = new Date().toISOString().replace(/[:.]/g, '-')
const out = path.resolve(process.argv[2] ?? path.join(config.dataDir, 'backups', `xinlian-${stamp}`))
const method = (process.env.XINLIAN_BACKUP_METHOD ?? 'auto') as BackupMethod
const db = await toolDatabase(config)
try {
  const m = await backupDatabase(db.url, out, method)
  const rows = m.tables?.reduce((n, t) => n + t.rows, 0)
  console.log(
    `backup written to ${out} (${m.format}, PostgreSQL ${m.serverVersion}, migrations up to ${m.migrations.at(-1)}` +
      (rows === undefined ? ')' : `, ${m.tables!.length} tables, ${rows} rows)`),
  )
} finally {
  await db.close()
}
