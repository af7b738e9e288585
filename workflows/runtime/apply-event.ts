import type { PgBoss } from 'pg-boss'
import postgres from 'postgres'
import type { Q, Sql } from './platform/connect.ts'
import {
  fire,
  fold,
  step,
  type Actor,
  type CaseEvent,
  type CaseState,
  type ClinicalEventType,
  type Effect,
  type NetworkInfo,
  ProblemError,
  openDeparture,
  problemOf,
  registryRecord,
  type EscalationReason,
} from '../core/index.ts'
import { canonicalJson, derivedUuid, sha256 } from './ids.ts'
import { deferLive, flushLive, publish, type LiveMessage } from './live.ts'
import { projectMetrics } from './project-metrics.ts'
import { notify, type Notifier } from './notifier.ts'
import {
  appendEvent,
  caseInfoOf,
  dbNow,
  insertCase,
  loadEvents,
  loadEventsOf,
  lockCase,
  readUnderLock,
  writeEvent,
  lockCases,
  lockUnprojectedHeadings,
  updateProjection,
  type CaseRow,
  type Projection,
} from './store/cases.ts'
import type { NetworkCache } from './network-cache.ts'
import { armTimer, cancelTimer, forgetTimer, forgetTimers, type TimerJob } from './timers.ts'
import type { TimelineCache } from './timeline-cache.ts'
import { settleAll } from './settle.ts'

/** What the runtime needs; built once per process (or per test). */
export interface Runtime {
  sql: Sql
  boss: PgBoss
  notifier: Notifier
  networks: NetworkCache
  /** Timelines already read by this process: an event then reads only what was appended since. */
  timelines?: TimelineCache
}

/**
 * The `ProblemError` that `recordEvent` / `createCase` throw.
 * Transitional: catch `ProblemError` and read `problem.code`; `Refused` and its `reason` stay only
 * until api/routes/alerts.ts moves to a runtime module.
 */
export class Refused extends ProblemError {
  get reason(): string {
    return this.problem.code
  }
}

export interface NewEvent {
  id: string
  type: ClinicalEventType
  at: number
  data: Record<string, unknown>
}

export interface Recorded {
  status: 200 | 201
  event: CaseEvent
  state: CaseState
  network: NetworkInfo
  now: number
}

const bodyHashOf = (caseId: string, e: NewEvent) =>
  sha256(canonicalJson({ caseId, type: e.type, at: e.at, data: e.data }))

/**
 * Record one clinical event, in one transaction: lock the case, check the move with the pure
 * core, append the event, arm and cancel its timers, hand out its notifications, update the
 * case projection, publish to the live stream, commit. Nothing is acknowledged before it is
 * stored; a retry with the same id and body answers 200 with the stored event; the same id with
 * another body is a 409.
 * @param canSee access check on the locked case row (404 when false: no existence leak)
 */
export async function recordEvent(
  rt: Runtime,
  actor: Actor & { networkId: string },
  caseId: string,
  input: NewEvent,
  canSee: (c: CaseRow) => boolean,
): Promise<Recorded> {
  const bodyHash = bodyHashOf(caseId, input)
  return rt.sql
    .begin(async (tx) => {
      // Two statements sent together: postgres.js pipelines them on the transaction's connection
      // and the server runs them in order, so the second (`now`, the events appended since this
      // process last read the case, and the idempotency lookup) runs once the lock is held, in one
      // round trip. The timeline is this process's cache plus that delta
      // (workflows/runtime/timeline-cache.ts), not the whole timeline every time.
      const base = rt.timelines?.base(caseId) ?? { after: '0', held: undefined }
      const [c, read] = await Promise.all([
        lockCase(tx, caseId),
        readUnderLock(tx, caseId, base.after, input.id),
      ])
      if (!c || !canSee(c)) throw new Refused(problemOf('not_found'))
      const { now, existing } = read
      const events =
        (rt.timelines ? rt.timelines.combine(caseId, base, c, read.events, read.lastSeq) : read.events) ??
        (await loadEvents(tx, caseId))
      const network = await rt.networks.get(tx, c.networkId)
      const state = fold(caseInfoOf(c), events, network)
      if (existing) {
        if (existing.caseId === caseId && existing.bodyHash === bodyHash) {
          return { status: 200 as const, event: existing, state, network, now }
        }
        throw new Refused(problemOf('id_reused', 'id'))
      }
      const event: CaseEvent = {
        id: input.id,
        caseId,
        type: input.type,
        at: input.at,
        recordedAt: now,
        by: actor.id,
        data: input.data,
      }
      const result = step(state, event, actor, network, now)
      if (!result.ok) throw new Refused(result.problem)
      // The event's own writes are one statement (store/cases.ts `writeEvent`), sent first; its
      // effects (timers, alerts) go out pipelined behind it. The write is not awaited here: once
      // the effects are done (at once when there are none), the callback returns and COMMIT travels
      // with the write, one round trip less. Should the write fail (the same event id stored
      // meanwhile by another case's transaction is a unique violation), the server rolls the
      // transaction back and `begin` fails with the write's error (the postgres.js patch,
      // docs/operations.md): nothing is acknowledged that was not stored.
      const next = result.state
      const write = writeEvent(tx, {
        event,
        bodyHash,
        projection: projectionOf(next, now),
        metrics: registryRecord(next, network, next.events[0]?.recordedAt ?? now),
        live: JSON.stringify(caseMessage(next, event)),
      })
      write.catch(() => undefined) // begin rethrows it
      await runEffects(tx, rt, result.effects, { state: next, network, now })
      return { status: 201 as const, event, state: next, network, now }
    })
    .catch((e: unknown) => {
      if (
        e instanceof postgres.PostgresError &&
        e.code === '23505' &&
        e.constraint_name === 'case_events_pkey'
      )
        throw new Refused(problemOf('id_reused', 'id'))
      throw e
    })
}

export interface NewCase {
  id: string
  facilityId: string
  patient: { sex: 'male' | 'female'; age: number; weightKg?: number | null; name?: string }
  firstMedicalContactAt: number
  arrivalMode: string
  symptomOnsetAt?: number
  symptomOnsetApproximate?: boolean
}

/**
 * Start the high-risk chest-pain protocol: the case row, its `first_medical_contact` (and
 * `symptom_onset` when known) through the same checks and timers as every other event.
 * Event ids derive from the case id, so a retried submission is idempotent.
 */
export async function createCase(
  rt: Runtime,
  actor: Actor & { networkId: string },
  input: NewCase,
): Promise<{ status: 200 | 201; state: CaseState; network: NetworkInfo; now: number }> {
  return rt.sql.begin(async (tx) => {
    const now = await dbNow(tx)
    const network = await rt.networks.get(tx, actor.networkId)
    const existing = await lockCase(tx, input.id)
    if (existing) {
      if (existing.networkId === actor.networkId && existing.createdBy === actor.id) {
        const state = fold(caseInfoOf(existing), await loadEvents(tx, input.id), network)
        return { status: 200 as const, state, network, now }
      }
      throw new Refused(problemOf('id_reused', 'id'))
    }
    await insertCase(tx, { ...input, networkId: actor.networkId, createdBy: actor.id, at: new Date(now) })
    const c = (await lockCase(tx, input.id))!
    let state = fold(caseInfoOf(c), [], network)
    const drafts: NewEvent[] = []
    if (input.symptomOnsetAt !== undefined) {
      drafts.push({
        id: derivedUuid(input.id, 'symptom_onset'),
        type: 'symptom_onset',
        at: input.symptomOnsetAt,
        data: input.symptomOnsetApproximate ? { approximate: true } : {},
      })
    }
    drafts.push({
      id: derivedUuid(input.id, 'first_medical_contact'),
      type: 'first_medical_contact',
      at: input.firstMedicalContactAt,
      data: { facilityId: input.facilityId, arrivalMode: input.arrivalMode },
    })
    for (const d of drafts) {
      const event: CaseEvent = { ...d, caseId: input.id, recordedAt: now, by: actor.id }
      const result = step(state, event, actor, network, now)
      if (!result.ok) throw new Refused(result.problem)
      await appendEvent(tx, event, bodyHashOf(input.id, d))
      await runEffects(tx, rt, result.effects, { state: result.state, network, now })
      state = result.state
    }
    await project(tx, c, state, null, now, network)
    return { status: 201 as const, state, network, now }
  })
}

/**
 * A timer job fired. Lock the case, re-derive, and act only if the timer is still wanted and
 * due (stale jobs are no-ops). Returns whether anything was recorded. `early` fires a wanted
 * timer before its time (see core `fire`) and cancels its scheduled job.
 */
export async function fireTimer(
  rt: Runtime,
  caseId: string,
  key: string,
  early?: { reason: EscalationReason },
): Promise<boolean> {
  return rt.sql.begin(async (tx) => {
    // A burst fires thousands of these a minute: keep round trips few. The lock and the reads
    // are pipelined (run in order by the server: the reads and `now` come after the lock), the
    // closing writes too, with the transaction's live messages in one statement.
    // bench/deadline-lag.ts measures it.
    deferLive(tx)
    const [c, now, events] = await Promise.all([lockCase(tx, caseId), dbNow(tx), loadEvents(tx, caseId)])
    if (!c) return false
    const network = await rt.networks.get(tx, c.networkId)
    const state = fold(caseInfoOf(c), events, network)
    const effects = fire(state, network, key, now, early)
    if (!effects.length) return false
    const recordedState = await runEffects(tx, rt, effects, { state, network, now })
    // The system event was published by runEffects: the projection update need not repeat it.
    await settleAll([
      early ? cancelTimer(tx, rt.boss, caseId, key) : forgetTimer(tx, caseId, key),
      project(tx, c, recordedState, null, now, network, { publish: false }),
      flushLive(tx),
    ])
    return true
  })
}

/**
 * Several timer jobs fired together (a burst): the same re-check as `fireTimer` for each, in one
 * transaction whose round trips are shared. The cases are locked in id order and their
 * timelines read in one query; each case's timers then fire in order while the cases proceed
 * side by side, their queries pipelined on the one connection. What every fire ends with goes
 * out once for the transaction: the fired timers' case_timers rows in one DELETE, the live
 * messages in one statement (NOTIFY is delivered on COMMIT either way). All or nothing: on an
 * error the caller fires the jobs one by one (`fireTimer`), so one bad case cannot hold up the
 * others. Returns how many timers recorded something.
 */
export async function fireTimers(
  rt: Runtime,
  jobs: readonly { caseId: string; key: string }[],
): Promise<number> {
  const caseIds = [...new Set(jobs.map((j) => j.caseId))].sort()
  return rt.sql.begin(async (tx) => {
    deferLive(tx)
    const [rows, now, timelines] = await Promise.all([
      lockCases(tx, caseIds),
      dbNow(tx),
      loadEventsOf(tx, caseIds),
    ])
    // Fired timers to forget, by case and key. A later fire of the same case that arms the same
    // key again keeps its new row (bench/PROFILE.md: one statement per transaction, not per fire).
    const forgets = new Map<string, TimerJob>()
    const fired = await settleAll(
      rows.map(async (c) => {
        const network = await rt.networks.get(tx, c.networkId)
        let state = fold(caseInfoOf(c), timelines.get(c.id) ?? [], network)
        let n = 0
        for (const job of jobs) {
          if (job.caseId !== c.id) continue
          const effects = fire(state, network, job.key, now)
          if (!effects.length) continue
          state = await runEffects(tx, rt, effects, { state, network, now })
          forgets.set(`${c.id} ${job.key}`, { caseId: c.id, key: job.key })
          for (const e of effects) if (e.kind === 'armTimer') forgets.delete(`${c.id} ${e.timer.key}`)
          n++
        }
        if (n) await project(tx, c, state, null, now, network, { publish: false })
        return n
      }),
    )
    await settleAll([forgetTimers(tx, [...forgets.values()]), flushLive(tx)])
    return fired.reduce((a, b) => a + b, 0)
  })
}

/**
 * Project the heading (`cases.heading_to`) of the open cases projected before
 * migrations/0023_incoming.sql, a batch at a time under the cases' locks, so the incoming board
 * reads them by index like every other case (until then it folds them: nothing is missed). Run
 * once at boot; idempotent, and safe in several processes at once. The row keeps its
 * `updated_at`: the case lists' order does not move. Returns how many cases it projected.
 */
export async function backfillHeadings(rt: Runtime, batch = 200): Promise<number> {
  let done = 0
  for (;;) {
    const n = await rt.sql.begin(async (tx) => {
      const rows = await lockUnprojectedHeadings(tx, batch)
      if (!rows.length) return 0
      const timelines = await loadEventsOf(
        tx,
        rows.map((c) => c.id),
      )
      await settleAll(
        rows.map(async (c) => {
          const network = await rt.networks.get(tx, c.networkId)
          const state = fold(caseInfoOf(c), timelines.get(c.id) ?? [], network)
          await updateProjection(tx, c.id, projectionOf(state, c.updatedAt.getTime()))
        }),
      )
      return rows.length
    })
    if (!n) return done
    done += n
  }
}

/** The one interpreter of core effects. Returns the state after system events. */
async function runEffects(
  tx: Q,
  rt: Runtime,
  effects: readonly Effect[],
  ctx: { state: CaseState; network: NetworkInfo; now: number },
): Promise<CaseState> {
  let state = ctx.state
  const caseId = state.info.id
  // Timer effects touch only case_timers and pgboss.job, each its own key: they do not depend on
  // the timeline writes, so their queries go out pipelined with them (fewer round trips per
  // event and per fired timer). Effects on the same key still run in order.
  const byKey = new Map<string, Promise<void>>()
  const timerWork = (key: string, run: () => Promise<void>) => {
    const p = (byKey.get(key) ?? Promise.resolve()).then(run)
    p.catch(() => undefined) // awaited below; no unhandled rejection meanwhile
    byKey.set(key, p)
  }
  let failure: unknown = null
  try {
    state = await runTimelineEffects()
  } catch (e) {
    failure = e
  }
  for (const r of await Promise.allSettled(byKey.values()))
    if (r.status === 'rejected' && failure === null) failure = r.reason
  if (failure !== null)
    throw failure instanceof Error ? failure : new Error('effect failed', { cause: failure })
  return state

  async function runTimelineEffects(): Promise<CaseState> {
    for (const e of effects) {
      switch (e.kind) {
        case 'armTimer': {
          const timer = e.timer
          timerWork(timer.key, () => armTimer(tx, rt.boss, caseId, timer, ctx.now))
          break
        }
        case 'cancelTimer': {
          const key = e.key
          timerWork(key, () => cancelTimer(tx, rt.boss, caseId, key))
          break
        }
        case 'recordSystemEvent': {
          const event: CaseEvent = {
            id: derivedUuid(state.info.id, 'system', e.data.timerKey),
            caseId: state.info.id,
            type: e.type,
            at: e.at,
            recordedAt: ctx.now,
            by: null,
            data: e.data,
          }
          const next = fold(state.info, [...state.events, event], ctx.network)
          // The live message goes out with the insert (one round trip). Should the id already be
          // stored (a duplicate fire), the insert is a no-op and a client merely refetches.
          const [appended] = await Promise.all([appendEvent(tx, event, null), publishCase(tx, next, event)])
          if (appended) state = next
          break
        }
        case 'notify':
          await notify(tx, e, { ...ctx, state }, rt.notifier)
          break
      }
    }
    return state
  }
}

async function publishCase(tx: Q, state: CaseState, event: CaseEvent) {
  await publish(tx, caseMessage(state, event))
}

/** The live message of an event: ids and codes only (workflows/runtime/live.ts). */
function caseMessage(state: CaseState, event: CaseEvent): LiveMessage {
  return {
    kind: 'case',
    caseId: state.info.id,
    networkId: state.info.networkId,
    facilityIds: facilityIdsOf(state),
    eventId: event.id,
    type: event.type,
  }
}

/** The case row's projection of a state (phase, status, the facilities it touched, where it is heading). */
function projectionOf(state: CaseState, now: number): Projection {
  const to = openDeparture(state)?.toFacilityId
  return {
    phase: state.phase,
    closed: state.closed,
    facilityIds: facilityIdsOf(state),
    headingTo: to && UUID.test(to) ? to : null,
    at: new Date(now),
  }
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function facilityIdsOf(state: CaseState): string[] {
  const ids = new Set<string>([state.info.facilityId])
  for (const a of state.points.arrivals) ids.add(a.facilityId)
  for (const d of state.points.departures) ids.add(d.toFacilityId)
  if (state.points.transferToFacilityId) ids.add(state.points.transferToFacilityId)
  if (state.points.fmcFacilityId) ids.add(state.points.fmcFacilityId)
  return [...ids]
}

async function project(
  tx: Q,
  c: CaseRow,
  state: CaseState,
  event: CaseEvent | null,
  now: number,
  network: NetworkInfo,
  opts: { publish?: boolean } = {},
) {
  // Two independent writes: pipelined, one round trip.
  await settleAll([
    projectMetrics(tx, state, network, now),
    updateProjection(tx, c.id, projectionOf(state, now)),
  ])
  if (opts.publish === false) return
  if (event) await publishCase(tx, state, event)
  else if (!state.events.length) return
  else await publishCase(tx, state, state.events[state.events.length - 1]!)
}
