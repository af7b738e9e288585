import {
  facilityAt,
  isSystemEventType,
  metricsOf,
  plan,
  type CaseState,
  type NetworkInfo,
} from '../core/index.ts'
import { deadlineJson, iso } from './time.ts'

/** One read of the case, as the access log stores it. */
export interface AccessRow {
  at: Date
  actorId: string | null
  actorName: string | null
  action: string
  device: string | null
}

/**
 * The QA drill-down of one case: every event with who, where, clinical vs recorded time,
 * corrections shown as amendments of the event they amend, deadlines as marks (met, warned,
 * missed), flags with their bilingual explanation, and who read the case.
 */
export function caseTimeline(
  state: CaseState,
  network: NetworkInfo,
  now: number,
  /** Display names of the people who recorded (store/users.ts namesOf). */
  names: ReadonlyMap<string, string>,
  /** Who read the case (store/audit.ts caseAccessLog). */
  access: readonly AccessRow[],
) {
  const facilityName = (id: string | null) => network.facilities.find((f) => f.id === id)?.name ?? null
  const effective = new Map(state.effective.map((e) => [e.id, e]))
  const corrections = state.events.filter((e) => e.type === 'correction')
  const amendmentsOf = (id: string) =>
    corrections
      .filter((c) => c.data.eventId === id)
      .map((c) => ({
        correctionId: c.id,
        by: c.by,
        byName: c.by ? (names.get(c.by) ?? null) : null,
        recordedAt: iso(c.recordedAt),
        changes: c.data.changes,
        reason: c.data.reason ?? null,
      }))
  const start = state.points.startFacilityId
  const events = state.events
    .filter((e) => e.type !== 'correction')
    .map((e) => {
      const eff = effective.get(e.id) ?? e
      const facilityId =
        typeof eff.data.facilityId === 'string'
          ? eff.data.facilityId
          : facilityAt(state.points.arrivals, start, eff.at)
      const amendments = amendmentsOf(e.id)
      return {
        id: e.id,
        type: e.type,
        system: isSystemEventType(e.type),
        /** Clinical time after corrections. */
        at: iso(eff.at),
        /** Clinical time as first recorded (differs when a correction moved it). */
        originalAt: iso(e.at),
        recordedAt: iso(e.recordedAt),
        /** Minutes between the clinical time and its recording (late entries are > 1440). */
        entryDelayMinutes: Math.round((e.recordedAt - eff.at) / 6_000) / 10,
        by: e.by,
        byName: e.by ? (names.get(e.by) ?? null) : null,
        facilityId,
        facilityName: facilityName(facilityId),
        data: eff.data,
        originalData: amendments.length ? e.data : undefined,
        amendments,
        flags: state.flags.filter((f) => f.eventId === e.id),
      }
    })
    .sort((a, b) => (a.at ?? '').localeCompare(b.at ?? ''))
  const warned = new Set(state.firedAlerts.filter((a) => a.kind === 'warning').map((a) => a.rule))
  const alerted = (rule: string) => state.firedAlerts.filter((a) => a.rule === rule)
  const deadlines = plan(state, network, now).map((d) => ({
    ...deadlineJson(d),
    /** met / missed / pending, judged by clinical times (docs/clinical-rules.md). */
    status: d.status,
    /** A warning alert fired on the timeline (deadline_warning). */
    warned: warned.has(d.rule),
    /** The mark the chart draws: missed > warned > met > pending. */
    mark: d.status === 'missed' ? 'missed' : warned.has(d.rule) ? 'warned' : d.status,
    alerts: alerted(d.rule).map((a) => ({ kind: a.kind, at: iso(a.at), timerKey: a.timerKey })),
  }))
  return {
    caseId: state.info.id,
    phase: state.phase,
    closed: state.closed,
    facilityId: state.info.facilityId,
    facilityName: facilityName(state.info.facilityId),
    events,
    metrics: metricsOf(state).values,
    deadlines,
    flags: state.flags,
    access: access.map((a) => ({ ...a, at: a.at.toISOString() })),
  }
}
