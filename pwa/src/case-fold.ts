/**
 * The case as this device knows it: the server's events plus the ones still in (or just sent
 * from) the outbox, folded by the clinical core itself (workflows/core/fold.ts, deadlines.ts).
 * Corrections, time points, countdowns and the deadlines of a case started offline therefore
 * follow the same rules as the server's (workflows/core/rules.ts) with no copy in the PWA.
 *
 * Pure (no IndexedDB, no clock): the screen and pwa/src/case-fold.test.ts both call it.
 */
import type { CaseEvent as CoreEvent, CaseInfo } from '../../workflows/core/case-model.ts'
import { plan } from '../../workflows/core/deadlines.ts'
import type { EventType } from '../../workflows/core/event-types.ts'
import { fold, type CaseState } from '../../workflows/core/fold.ts'
import type { NetworkInfo as CoreNetwork } from '../../workflows/core/network.ts'
import type { CaseEvent, Deadline, NetworkInfo, Patient } from './api.ts'

/** What the outbox holds for a case: a new case or an event body, in the order recorded. */
export interface LocalItem {
  id: string
  kind: 'case' | 'event'
  body: Record<string, unknown>
  /** When the device recorded it (ISO). */
  createdAt: string
  /** Still waiting to be sent (else the server has it but the screen's copy does not yet). */
  pending: boolean
}

export interface TimelineEntry extends CaseEvent {
  /** Not yet on the server. */
  pending: boolean
}

export interface FoldedCase {
  state: CaseState
  deadlines: Deadline[]
  /** Every event, stored or local, by clinical time; clinical events carry their corrected time and data. */
  timeline: TimelineEntry[]
  /** The effective (corrected) latest event of a type, stored or local. */
  latest: (type: string) => TimelineEntry | undefined
}

/** The case-level facts the fold needs. */
export interface CaseHead {
  id: string
  networkId?: string | undefined
  facilityId: string
  patient: Patient
  createdBy?: string | undefined
}

/** The network as the core models it, from `GET /api/network`. */
export function coreNetwork(n: NetworkInfo): CoreNetwork {
  const settings = (n.network as { settings?: { expectedDoorToWireMinutes?: number } }).settings
  return {
    id: n.network.id,
    facilities: n.facilities.map((f) => ({
      id: f.id,
      name: f.name,
      level: f.level,
      canLyse: f.canLyse,
      hasCathLab: f.hasCathLab,
      lysisDrugs: f.lysisDrugs,
    })),
    travel: n.travel,
    expectedDoorToWireMinutes: settings?.expectedDoorToWireMinutes ?? 60,
  }
}

const ENVELOPE = new Set(['id', 'type', 'at', 'by', 'override'])

function bodyToEvent(caseId: string, body: Record<string, unknown>, recordedAt: number): CoreEvent | null {
  const at = typeof body.at === 'string' ? Date.parse(body.at) : NaN
  if (typeof body.id !== 'string' || typeof body.type !== 'string' || !Number.isFinite(at)) return null
  const data: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(body)) if (!ENVELOPE.has(k)) data[k] = v
  if (body.override !== undefined) data.override = body.override
  return { id: body.id, caseId, type: body.type as EventType, at, recordedAt, by: null, data }
}

/**
 * The events the server records when it creates a case (workflows/runtime/apply-event.ts
 * `createCase`): symptom onset when known, then first medical contact. Local ids: once the
 * server's copy has them, these are dropped.
 */
function caseStartEvents(caseId: string, body: Record<string, unknown>, recordedAt: number): CoreEvent[] {
  const out: CoreEvent[] = []
  if (typeof body.symptomOnsetAt === 'string')
    out.push({
      id: `local:${caseId}:symptom_onset`,
      caseId,
      type: 'symptom_onset',
      at: Date.parse(body.symptomOnsetAt),
      recordedAt,
      by: null,
      data: body.symptomOnsetApproximate ? { approximate: true } : {},
    })
  if (typeof body.firstMedicalContactAt === 'string')
    out.push({
      id: `local:${caseId}:first_medical_contact`,
      caseId,
      type: 'first_medical_contact',
      at: Date.parse(body.firstMedicalContactAt),
      recordedAt,
      by: null,
      data: { facilityId: body.facilityId, arrivalMode: body.arrivalMode ?? 'walk_in' },
    })
  return out.filter((e) => Number.isFinite(e.at))
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString())

/**
 * Union of the server's events and the local ones (a local event the server already has counts
 * once), folded and planned by the core at `now`.
 */
export function foldCase(
  head: CaseHead,
  server: readonly CaseEvent[],
  local: readonly LocalItem[],
  network: NetworkInfo,
  now: number,
): FoldedCase {
  const net = coreNetwork(network)
  const info: CaseInfo = {
    id: head.id,
    networkId: head.networkId ?? net.id,
    facilityId: head.facilityId,
    patient: { sex: head.patient.sex, age: head.patient.age, weightKg: head.patient.weightKg ?? null },
    createdBy: head.createdBy ?? '',
  }
  const wire = new Map<string, TimelineEntry>()
  const events: CoreEvent[] = []
  let lastRecorded = 0
  for (const e of server) {
    const at = Date.parse(e.at)
    const recordedAt = e.recordedAt ? Date.parse(e.recordedAt) : at
    lastRecorded = Math.max(lastRecorded, recordedAt)
    events.push({
      id: e.id,
      caseId: head.id,
      type: e.type,
      at,
      recordedAt,
      by: e.by ?? null,
      data: e.data,
    })
    wire.set(e.id, { ...e, pending: false })
  }
  const serverHasStart = server.some((e) => e.type === 'first_medical_contact')
  for (const item of local) {
    if (wire.has(item.id)) continue
    // After everything stored, in the order recorded on this device.
    lastRecorded = Math.max(lastRecorded + 1, Date.parse(item.createdAt) || 0)
    const made =
      item.kind === 'case'
        ? serverHasStart
          ? []
          : caseStartEvents(head.id, item.body, lastRecorded)
        : [bodyToEvent(head.id, item.body, lastRecorded)].filter((e): e is CoreEvent => e !== null)
    for (const e of made) {
      if (wire.has(e.id)) continue
      events.push(e)
      wire.set(e.id, { id: e.id, type: e.type, at: iso(e.at)!, data: e.data, pending: item.pending })
    }
  }
  const state = fold(info, events, net)
  const effective = new Map(state.effective.map((e) => [e.id, e]))
  const timeline = state.events
    .map((e): TimelineEntry => {
      const w = wire.get(e.id)!
      const fixed = effective.get(e.id)
      return fixed ? { ...w, at: iso(fixed.at)!, data: fixed.data } : w
    })
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
  const deadlines = plan(state, net, now).map((d): Deadline => ({
    rule: d.rule,
    startAt: iso(d.startAt)!,
    dueAt: iso(d.dueAt)!,
    warnAt: iso(d.warnAt),
    status: d.status,
    metAt: iso(d.metAt),
  }))
  const byType = new Map<string, TimelineEntry>()
  for (const e of state.effective) {
    const w = wire.get(e.id)
    if (w) byType.set(e.type, { ...w, at: iso(e.at)!, data: e.data })
  }
  return { state, deadlines, timeline, latest: (type) => byType.get(type) }
}
