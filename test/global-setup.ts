import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PgBoss } from 'pg-boss'
import type { TestProject } from 'vitest/node'
import { connect } from '../workflows/runtime/platform/connect.ts'
import { startEmbedded } from '../workflows/runtime/platform/embedded.ts'
import { migrate } from '../workflows/runtime/platform/migrate.ts'
import { ensureQueues } from '../workflows/runtime/boss.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string
    templateDb: string
  }
}

/**
 * One real PostgreSQL for the whole run (embedded, or the server of DATABASE_URL), holding a
 * template database with every migration and the pg-boss schema installed; each test file clones
 * it (`create database … template …`, tens of ms). Nothing about Postgres or pg-boss is mocked.
 */
export default async function setup(project: TestProject) {
  let adminUrl: string
  let stop: () => Promise<void> = async () => {}
  if (process.env.DATABASE_URL) {
    const u = new URL(process.env.DATABASE_URL)
    u.pathname = '/postgres'
    adminUrl = u.toString()
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xinlian-test-pg-'))
    fs.chmodSync(dir, 0o755)
    const pg = await startEmbedded({ dataDir: path.join(dir, 'pg'), persistent: false, fast: true })
    adminUrl = pg.url('postgres')
    stop = async () => {
      await pg.stop()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
  const templateDb = `xinlian_tpl_${process.pid}`
  const admin = connect(adminUrl, 1)
  await admin.unsafe(`drop database if exists ${templateDb}`)
  await admin.unsafe(`create database ${templateDb}`)
  const templateUrl = withDb(adminUrl, templateDb)
  const sql = connect(templateUrl, 2)
  await migrate(sql)
  await sql.end()
  const boss = new PgBoss({ connectionString: templateUrl, supervise: false, schedule: false })
  boss.on('error', () => {})
  await boss.start()
  await ensureQueues(boss)
  await boss.stop({ graceful: false })
  await admin.end()
  project.provide('pgAdminUrl', adminUrl)
  project.provide('templateDb', templateDb)
  return async () => {
    if (process.env.DATABASE_URL) {
      const a = connect(adminUrl, 1)
      await a.unsafe(`drop database if exists ${templateDb} with (force)`)
      await a.end()
    }
    await stop()
  }
}

export function withDb(url: string, db: string): string {
  const u = new URL(url)
  u.pathname = '/' + db
  return u.toString()
}
