import type { PgBoss } from 'pg-boss'
import type { Config } from './config.ts'
import { connect, type Sql } from '../workflows/runtime/platform/connect.ts'
import { startEmbedded, type EmbeddedServer } from '../workflows/runtime/platform/embedded.ts'
import { migrate } from '../workflows/runtime/platform/migrate.ts'
import { log } from '../workflows/runtime/platform/log.ts'
import { startBoss } from '../workflows/runtime/boss.ts'

export interface Database {
  url: string
  embedded: EmbeddedServer | undefined
}

/** DATABASE_URL when set, otherwise a persistent embedded PostgreSQL under the data dir. */
export async function openDatabase(config: Config): Promise<Database> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: undefined }
  const embedded = await startEmbedded({ dataDir: `${config.dataDir}/pg`, persistent: true })
  const admin = connect(embedded.url('postgres'), 1)
  const [exists] = await admin`select 1 from pg_database where datname = 'xinlian'`
  if (!exists) await admin`create database xinlian`
  await admin.end()
  return { url: embedded.url('xinlian'), embedded }
}

/**
 * Seed the demo network only when asked (XINLIAN_DEMO=1), or on the zero-config embedded database
 * when it holds no network at all. Never over real data, never silently on a DATABASE_URL database.
 */
export interface DemoSeed {
  networkCount: (sql: Sql) => Promise<{ all: number; demo: number }>
  seedDemo: (sql: Sql) => Promise<unknown>
}

/** The demo data is handed in by the composition root (only roots import `fixtures/`). */
export async function maybeSeedDemo(
  sql: Sql,
  config: Config,
  demo: DemoSeed,
): Promise<'seeded' | 'present' | 'skipped'> {
  const counts = await demo.networkCount(sql)
  if (counts.demo > 0) return 'present'
  const wanted = config.demo ?? (!config.databaseUrl && counts.all === 0)
  if (!wanted) return 'skipped'
  if (counts.all > counts.demo) {
    log.warn('demo seed refused: this database holds real networks')
    return 'skipped'
  }
  await demo.seedDemo(sql)
  return 'seeded'
}

export interface StopOptions {
  /**
   * Run first, once the core counts as stopping (the HTTP server and the workers it feeds): the
   * database may already be going away (Ctrl-C reaches the embedded PostgreSQL too), so job-queue
   * connection errors from this moment on are expected and not logged.
   */
  first?: () => Promise<void>
}

export interface Core {
  db: Database
  sql: Sql
  boss: PgBoss
  stop: (opts?: StopOptions) => Promise<void>
}

/** Database, migrations and job queue: what the server, the CLI tools and the benchmarks share. */
export async function startCore(config: Config, opts: { supervise?: boolean } = {}): Promise<Core> {
  const db = await openDatabase(config)
  const sql = connect(db.url)
  let stopping = false
  try {
    const applied = await migrate(sql)
    if (applied.length) log.info('migrations applied', { versions: applied })
    const boss = await startBoss(db.url, { supervise: opts.supervise ?? true, stopping: () => stopping })
    return {
      db,
      sql,
      boss,
      // Ctrl-C reaches the embedded PostgreSQL too (same process group) and it shuts down at
      // once (fast shutdown, crash-safe): every step here tolerates an already-closed database.
      stop: async (o: StopOptions = {}) => {
        stopping = true
        await o.first?.().catch(() => undefined)
        await boss.stop({ graceful: true, timeout: 10_000 }).catch(() => undefined)
        await sql.end({ timeout: 5 }).catch(() => undefined)
        await db.embedded?.stop().catch(() => undefined)
      },
    }
  } catch (e) {
    await sql.end({ timeout: 1 })
    await db.embedded?.stop()
    throw e
  }
}
