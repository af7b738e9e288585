import type { PgBoss } from 'pg-boss'
import type { Q } from './platform/connect.ts'
import type { TimerSpec } from '../core/index.ts'
import { fromPostgresJs } from './boss.ts'

export const TIMER_QUEUE = 'deadline'

/**
 * A deadline that is already over when its timer is armed (offline capture, late entry) fires
 * after this grace, not in the same instant: an outbox syncing a burst of back-dated events
 * (FMC, then the ECG taken three minutes later) must not raise an alarm for a step that was in
 * fact done on time. Seconds, not minutes: a truly missed step still alerts at once.
 */
export const LATE_GRACE_MS = 5_000

export interface TimerJob {
  caseId: string
  key: string
}

async function cancelJob(q: Q, boss: PgBoss, jobId: string): Promise<void> {
  await boss.cancel(TIMER_QUEUE, jobId, { db: fromPostgresJs(q as never) })
}

/**
 * Arm (or re-arm) one timer inside the caller's transaction: cancel the job it replaces, send a
 * pg-boss job due at the timer's time (at once when that time has passed: a back-dated event
 * whose deadline is already over fires immediately), and remember the job id.
 */
export async function armTimer(
  q: Q,
  boss: PgBoss,
  caseId: string,
  timer: TimerSpec,
  now: number,
): Promise<void> {
  const [existing] = await q<{ jobId: string | null }[]>`
    select job_id as "jobId" from case_timers where case_id = ${caseId} and key = ${timer.key}`
  if (existing?.jobId) await cancelJob(q, boss, existing.jobId)
  const singletonKey = `${caseId}:${timer.key}`
  const send = () =>
    boss.send(TIMER_QUEUE, { caseId, key: timer.key } satisfies TimerJob, {
      startAfter: new Date(timer.at >= now ? timer.at : now + LATE_GRACE_MS),
      singletonKey,
      db: fromPostgresJs(q as never),
    })
  let jobId = await send()
  if (jobId === null) {
    // A queued job with this key that we did not track (the `short` policy refused a second):
    // cancel it and send again. Correctness does not depend on this; it keeps one job per key.
    const stale = await q<{ id: string }[]>`
      select id from pgboss.job where name = ${TIMER_QUEUE} and singleton_key = ${singletonKey} and state < 'active'`
    for (const s of stale) await cancelJob(q, boss, s.id)
    jobId = await send()
  }
  await q`insert into case_timers (case_id, key, due_at, job_id)
          values (${caseId}, ${timer.key}, ${new Date(timer.at)}, ${jobId})
          on conflict (case_id, key) do update set due_at = excluded.due_at, job_id = excluded.job_id`
}

/** Cancel a timer that is no longer wanted (its rule was satisfied, the case closed, …). */
export async function cancelTimer(q: Q, boss: PgBoss, caseId: string, key: string): Promise<void> {
  const [row] = await q<{ jobId: string | null }[]>`
    delete from case_timers where case_id = ${caseId} and key = ${key} returning job_id as "jobId"`
  if (row?.jobId) await cancelJob(q, boss, row.jobId)
}

/** A timer fired: forget it (its system event is now on the timeline). */
export async function forgetTimer(q: Q, caseId: string, key: string): Promise<void> {
  await q`delete from case_timers where case_id = ${caseId} and key = ${key}`
}

/** Several fired timers at once (one statement: the timer worker fires many per transaction). */
export async function forgetTimers(q: Q, timers: readonly TimerJob[]): Promise<void> {
  if (!timers.length) return
  await q`
    delete from case_timers t
     using unnest(${timers.map((t) => t.caseId)}::uuid[], ${timers.map((t) => t.key)}::text[]) as f(case_id, key)
     where t.case_id = f.case_id and t.key = f.key`
}

/**
 * Timers whose time has come (due_at ≤ the database clock), oldest first. At boot these are
 * re-checked at once: their pg-boss jobs may be stuck `active` under a worker that crashed, which
 * pg-boss would retry only after the queue's expiry (see workflows/runtime/queues.ts).
 */
export async function dueTimers(q: Q, limit = 10_000): Promise<TimerJob[]> {
  return q<TimerJob[]>`
    select case_id as "caseId", key from case_timers
    where due_at <= now() order by due_at limit ${limit}`
}
