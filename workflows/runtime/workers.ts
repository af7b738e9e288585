import type { Job } from 'pg-boss'
import { log } from './platform/log.ts'
import { fireTimer, fireTimers, type Runtime } from './apply-event.ts'
import { dueTimers, TIMER_QUEUE, type TimerJob } from './timers.ts'

/**
 * Timer worker settings, sized for a regional burst (thousands of deadlines due in the same
 * minute), not only for the idle case. A pg-boss worker sleeps what is left of its polling
 * interval after a batch, so fetching caps throughput at batchSize × localConcurrency ÷ interval
 * (400/s here); in a burst the cost of firing is the limit instead: jobs are fired `perTx` to a
 * transaction (shared round trips, see fireTimers), `parallel` transactions at a time.
 * bench/deadline-lag.ts: 10,000 timers due in one minute.
 */
export const TIMER_WORKER = {
  batchSize: 100,
  pollingIntervalSeconds: 0.5,
  localConcurrency: 2,
  parallel: 4,
  perTx: 10,
} as const

/** Run `fn` over `items` with at most `limit` in flight. */
export async function inParallel<T>(
  items: readonly T[],
  limit: number,
  fn: (t: T) => Promise<void>,
): Promise<void> {
  let next = 0
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!)
  })
  await Promise.all(lanes)
}

export async function startTimerWorker(
  rt: Runtime,
  opts: Partial<typeof TIMER_WORKER> = {},
): Promise<string> {
  const o = { ...TIMER_WORKER, ...opts }
  return rt.boss.work<TimerJob>(
    TIMER_QUEUE,
    {
      batchSize: o.batchSize,
      pollingIntervalSeconds: o.pollingIntervalSeconds,
      localConcurrency: o.localConcurrency,
    },
    async (jobs: Job<TimerJob>[]) => {
      const failures: unknown[] = []
      const chunks: Job<TimerJob>[][] = []
      for (let i = 0; i < jobs.length; i += o.perTx) chunks.push(jobs.slice(i, i + o.perTx))
      await inParallel(chunks, o.parallel, async (chunk) => {
        try {
          await fireTimers(
            rt,
            chunk.map((j) => j.data),
          )
          return
        } catch {
          // fall through: one by one, so that a bad case only fails its own job
        }
        for (const job of chunk) {
          try {
            await fireTimer(rt, job.data.caseId, job.data.key)
          } catch (e) {
            failures.push(e)
            log.error('timer failed', { caseId: job.data.caseId, key: job.data.key, error: String(e) })
          }
        }
      })
      // The batch is retried as a whole; fireTimer is idempotent, so jobs that succeeded are no-ops then.
      if (failures.length) throw failures[0] instanceof Error ? failures[0] : new Error(String(failures[0]))
    },
  )
}

/**
 * Fire every timer already due, now (called once at boot). A crash leaves the jobs a worker had
 * fetched `active` until their expiry; firing re-derives the case and is idempotent, so
 * re-checking them here costs a no-op at worst, and a pg-boss retry later is a no-op too.
 * Returns how many timers recorded something.
 */
export async function fireDueTimers(rt: Runtime, opts: Partial<typeof TIMER_WORKER> = {}): Promise<number> {
  const o = { ...TIMER_WORKER, ...opts }
  const due = await dueTimers(rt.sql)
  let fired = 0
  const chunks: TimerJob[][] = []
  for (let i = 0; i < due.length; i += o.perTx) chunks.push(due.slice(i, i + o.perTx))
  await inParallel(chunks, o.parallel, async (chunk) => {
    try {
      fired += await fireTimers(rt, chunk)
      return
    } catch {
      // one by one, so that one bad case does not hold up the others
    }
    for (const t of chunk) {
      try {
        if (await fireTimer(rt, t.caseId, t.key)) fired++
      } catch (e) {
        log.error('timer failed at boot re-check', { caseId: t.caseId, key: t.key, error: String(e) })
      }
    }
  })
  return fired
}
