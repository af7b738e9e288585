import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PgBoss } from 'pg-boss'
import { connect } from '../../workflows/runtime/platform/connect.ts'
import { startEmbedded } from '../../workflows/runtime/platform/embedded.ts'
import { migrate } from '../../workflows/runtime/platform/migrate.ts'
import { ensureQueues } from '../../workflows/runtime/boss.ts'
import { seedDemo } from '../../fixtures/seed-demo.ts'

/**
 * The PostgreSQL server a benchmark run uses: the one in DATABASE_URL, or an embedded one in a
 * temporary directory started with the *fast* flags (fsync, synchronous_commit and
 * full_page_writes off). Those flags flatter commit latency compared with a durable production
 * server; both the product and its baselines run on the same server, so the ratios hold.
 */
export interface Cluster {
  adminUrl: string
  kind: 'embedded (fast flags: fsync/synchronous_commit/full_page_writes off)' | 'DATABASE_URL'
  /** A fresh database with every migration, the pg-boss schema and (unless `seed: false`) the demo network. */
  database: (label: string, opts?: { seed?: boolean }) => Promise<BenchDb>
  stop: () => Promise<void>
}

export interface BenchDb {
  url: string
  drop: () => Promise<void>
}

export function withDb(url: string, db: string): string {
  const u = new URL(url)
  u.pathname = '/' + db
  return u.toString()
}

export async function startCluster(): Promise<Cluster> {
  let adminUrl: string
  let stopServer = async () => {}
  let kind: Cluster['kind']
  if (process.env.DATABASE_URL) {
    adminUrl = withDb(process.env.DATABASE_URL, 'postgres')
    kind = 'DATABASE_URL'
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xinlian-bench-pg-'))
    fs.chmodSync(dir, 0o755)
    const pg = await startEmbedded({ dataDir: path.join(dir, 'pg'), persistent: false, fast: true })
    adminUrl = pg.url('postgres')
    kind = 'embedded (fast flags: fsync/synchronous_commit/full_page_writes off)'
    stopServer = async () => {
      await pg.stop()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
  const created: string[] = []
  return {
    adminUrl,
    kind,
    database: async (label, opts = {}) => {
      const name = `bench_${label.replace(/[^a-z0-9_]/g, '_')}_${process.pid}_${created.length}`
      const admin = connect(adminUrl, 1)
      await admin.unsafe(`drop database if exists ${name} with (force)`)
      await admin.unsafe(`create database ${name}`)
      await admin.end()
      created.push(name)
      const url = withDb(adminUrl, name)
      const sql = connect(url, 2)
      await migrate(sql)
      if (opts.seed ?? true) await seedDemo(sql)
      await sql.end()
      const boss = new PgBoss({ connectionString: url, supervise: false, schedule: false })
      boss.on('error', () => {})
      await boss.start()
      await ensureQueues(boss)
      await boss.stop({ graceful: false })
      return {
        url,
        drop: async () => {
          const a = connect(adminUrl, 1)
          await a.unsafe(`drop database if exists ${name} with (force)`)
          await a.end()
        },
      }
    },
    stop: async () => {
      if (process.env.DATABASE_URL) {
        const a = connect(adminUrl, 1)
        for (const name of created) await a.unsafe(`drop database if exists ${name} with (force)`)
        await a.end()
      }
      await stopServer()
    },
  }
}
