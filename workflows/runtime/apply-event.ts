import type { PgBoss } from 'pg-boss'
import type { Q, Sql } from '../../api/db/connect.ts'
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
  type Rejection,
} from '../core/index.ts'
import { canonicalJson, derivedUuid, sha256 } from './ids.ts'
import { publish } from './live.ts'
import { projectMetrics } from './project-metrics.ts'
import { notify, type Notifier } from './notifier.ts'
import {
  appendEvent,
  caseInfoOf,
  dbNow,
  findEvent,
  insertCase,
  loadEvents,
  lockCase,
  updateProjection,
  type CaseRow,
} from './store/cases.ts'
import type { NetworkCache } from './network-cache.ts'
import { armTimer, cancelTimer, forgetTimer } from './timers.ts'

/** What the runtime needs; built once per process (or per test). */
export interface Runtime {
  sql: Sql
  boss: PgBoss
  notifier: Notifier
  networks: NetworkCache
}

/** A refusal the HTTP edge turns into a 4xx; carries the core's bilingual message. */
export class Refused extends Error {
  constructor(
    readonly status: 403 | 404 | 409 | 422,
    readonly reason: string,
    readonly messages: { zh: string; en: string },
    readonly field?: string,
  ) {
    super(messages.en)
  }
  static of(r: Rejection): Refused {
    return new Refused(r.status, r.reason, r.message, r.field)
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
  return rt.sql.begin(async (tx) => {
    const c = await lockCase(tx, caseId)
    if (!c || !canSee(c))
      throw new Refused(404, 'case_not_found', { zh: '找不到该病例', en: 'Case not found' })
    const network = await rt.networks.get(tx, c.networkId)
    const now = await dbNow(tx)
    const events = await loadEvents(tx, caseId)
    const state = fold(caseInfoOf(c), events, network)
    const existing = await findEvent(tx, input.id)
    if (existing) {
      if (existing.caseId === caseId && existing.bodyHash === bodyHash) {
        return { status: 200 as const, event: existing, state, network, now }
      }
      throw new Refused(
        409,
        'id_reused',
        {
          zh: '该事件编号已用于另一条记录',
          en: 'This event id was already used for a different event',
        },
        'id',
      )
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
    if (!result.ok) throw Refused.of(result)
    await appendEvent(tx, event, bodyHash)
    await runEffects(tx, rt, result.effects, { state: result.state, network, now })
    await project(tx, c, result.state, event, now, network)
    return { status: 201 as const, event, state: result.state, network, now }
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
      throw new Refused(
        409,
        'id_reused',
        { zh: '该病例编号已被使用', en: 'This case id is already in use' },
        'id',
      )
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
      if (!result.ok) throw Refused.of(result)
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
  early?: { reason: string },
): Promise<boolean> {
  return rt.sql.begin(async (tx) => {
    const c = await lockCase(tx, caseId)
    if (!c) return false
    const network = await rt.networks.get(tx, c.networkId)
    const now = await dbNow(tx)
    const state = fold(caseInfoOf(c), await loadEvents(tx, caseId), network)
    const effects = fire(state, network, key, now, early)
    if (!effects.length) return false
    const recordedState = await runEffects(tx, rt, effects, { state, network, now })
    if (early) await cancelTimer(tx, rt.boss, caseId, key)
    else await forgetTimer(tx, caseId, key)
    await project(tx, c, recordedState, null, now, network)
    return true
  })
}

/** The one interpreter of core effects (house style 3). Returns the state after system events. */
async function runEffects(
  tx: Q,
  rt: Runtime,
  effects: readonly Effect[],
  ctx: { state: CaseState; network: NetworkInfo; now: number },
): Promise<CaseState> {
  let state = ctx.state
  for (const e of effects) {
    switch (e.kind) {
      case 'armTimer':
        await armTimer(tx, rt.boss, state.info.id, e.timer, ctx.now)
        break
      case 'cancelTimer':
        await cancelTimer(tx, rt.boss, state.info.id, e.key)
        break
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
        if (await appendEvent(tx, event, null)) {
          state = fold(state.info, [...state.events, event], ctx.network)
          await publishCase(tx, state, event)
        }
        break
      }
      case 'notify':
        await notify(tx, e, { ...ctx, state }, rt.notifier)
        break
    }
  }
  return state
}

async function publishCase(tx: Q, state: CaseState, event: CaseEvent) {
  await publish(tx, {
    kind: 'case',
    caseId: state.info.id,
    networkId: state.info.networkId,
    facilityIds: facilityIdsOf(state),
    eventId: event.id,
    type: event.type,
  })
}

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
) {
  await projectMetrics(tx, state, network, now)
  await updateProjection(tx, c.id, {
    phase: state.phase,
    closed: state.closed,
    facilityIds: facilityIdsOf(state),
    at: new Date(now),
  })
  if (event) await publishCase(tx, state, event)
  else if (!state.events.length) return
  else await publishCase(tx, state, state.events[state.events.length - 1]!)
}
