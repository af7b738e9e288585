import { PgBoss } from 'pg-boss'
import type { Db, Queue } from 'pg-boss'
import type postgres from 'postgres'
import { QUEUES } from './queues.ts'

/**
 * Bridge a postgres.js pool or transaction to pg-boss's per-call `db` option (STACK-NOTES 1.7a),
 * so a clinical event and its timers commit or roll back together.
 */
export function fromPostgresJs(s: postgres.Sql | postgres.TransactionSql): Db {
  return {
    async executeSql(text: string, values: unknown[] = []) {
      const r = values.length
        ? await s.unsafe(text, values as postgres.ParameterOrJSON<never>[])
        : await s.unsafe(text)
      const rows: unknown[] = Array.isArray(r) && r.some(Array.isArray) ? r.flat() : [...r]
      return { rows }
    },
  }
}

export interface BossOptions {
  /** Run maintenance and cron (one per deployment is enough, but several are safe). */
  supervise?: boolean
  /** True once the owner is stopping: connection errors from then on are expected, not worth logging. */
  stopping?: () => boolean
}

/** Start pg-boss on the application database with its own small pool and declare every queue. */
export async function startBoss(url: string, opts: BossOptions = {}): Promise<PgBoss> {
  let stopping = false
  const boss = new PgBoss({
    connectionString: url,
    max: 6,
    application_name: 'xinlian-jobs',
    supervise: opts.supervise ?? true,
    schedule: opts.supervise ?? true,
  })
  boss.on('error', (e: unknown) => {
    // During shutdown the database may already be gone (Ctrl-C reaches it too): not an error.
    if (stopping || opts.stopping?.()) return
    process.stderr.write(JSON.stringify({ level: 'error', msg: 'pg-boss error', error: String(e) }) + '\n')
  })
  boss.on('stopped', () => (stopping = true))
  await boss.start()
  await ensureQueues(boss)
  return boss
}

/** Every queue is declared here, once, at start-up: the first creator's options win (STACK-NOTES 1.2). */
export async function ensureQueues(boss: PgBoss): Promise<void> {
  for (const [name, options] of Object.entries(QUEUES) as [string, Omit<Queue, 'name'>][]) {
    await boss.createQueue(name, options)
  }
}
