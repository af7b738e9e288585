import { PgBoss } from 'pg-boss'
import type { Db, Queue } from 'pg-boss'
import type postgres from 'postgres'
import { QUEUES } from './queues.ts'
import { log } from './platform/log.ts'

/**
 * Bridge a postgres.js pool or transaction to pg-boss's per-call `db` option,
 * so a clinical event and its timers commit or roll back together.
 */
export function fromPostgresJs(s: postgres.Sql | postgres.TransactionSql): Db {
  return {
    async executeSql(text: string, values: unknown[] = []) {
      // Prepared: postgres.js sends an unprepared query with parameters describe-first, a round
      // trip of its own after which the transaction's later statements go one per round trip
      // (store/case-metrics.ts says more). pg-boss's texts are a fixed set per queue.
      const r = values.length
        ? await s.unsafe(text, values as postgres.ParameterOrJSON<never>[], { prepare: true })
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
    // pg-boss hands over Error objects and, from its maintenance, plain objects: log the message
    // and code of either, never "[object Object]" (and never query parameters: patient data).
    log.error('pg-boss error', describeError(e))
  })
  boss.on('stopped', () => (stopping = true))
  await boss.start()
  await ensureQueues(boss)
  return boss
}

/** Every queue is declared here, once, at start-up: the first creator's options win. */
export async function ensureQueues(boss: PgBoss): Promise<void> {
  for (const [name, options] of Object.entries(QUEUES) as [string, Omit<Queue, 'name'>][]) {
    await boss.createQueue(name, options)
    // A queue created by an older version keeps its old options: bring them up to date.
    const { policy: _policy, ...updatable } = options
    await boss.updateQueue(name, updatable)
  }
}

/** The loggable part of anything thrown: message, code and (for wrappers) the cause's message. */
export function describeError(e: unknown): { error: string; code?: string; cause?: string } {
  if (typeof e !== 'object' || e === null) return { error: String(e) }
  const o = e as { message?: unknown; code?: unknown; cause?: unknown }
  const out: { error: string; code?: string; cause?: string } = {
    error: typeof o.message === 'string' && o.message ? o.message : JSON.stringify(e).slice(0, 300),
  }
  if (typeof o.code === 'string') out.code = o.code
  if (o.cause instanceof Error) out.cause = o.cause.message
  return out
}
