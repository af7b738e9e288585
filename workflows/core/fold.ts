/**
 * The case state as a pure fold over its events (docs/clinical-rules.md): corrections are applied first,
 * then time points, phase, firing history and data-quality flags are derived. Any case can
 * be replayed from its log and gets the same state.
 */
import { eventFlags, pathFlags } from './case-flags.ts'
import type { CaseEvent, CaseInfo } from './case-model.ts'
import { applyCorrections, type AppliedCorrection } from './corrections.ts'
import { isSystemEventType } from './event-types.ts'
import { metricsOf } from './metrics.ts'
import type { NetworkInfo } from './network.ts'
import { phaseOf, type Phase } from './phase.ts'
import type { QualityFlag } from './quality-flag.ts'
import type { RuleKey } from './rule-keys.ts'
import { facilityAt } from './patient-location.ts'
import { derivePoints, type TimePoints } from './time-points.ts'
import type { Instant } from './time.ts'

/** An alert a timer produced (warning, missed or escalation), which may then repeat. */
export interface FiredAlert {
  timerKey: string
  rule: RuleKey
  kind: 'warning' | 'missed' | 'escalation'
  at: Instant
}

export interface CaseState {
  info: CaseInfo
  phase: Phase
  /** All events as stored, ordered by recordedAt then insertion. */
  events: CaseEvent[]
  /** Clinical events (corrections excluded) with corrections applied, in clinical-time order. */
  effective: CaseEvent[]
  points: TimePoints
  /** Last arrival, else the facility where the case started. */
  currentFacilityId: string
  /** Users who recorded clinical events or acknowledged alerts. */
  involved: string[]
  /** Timer keys already recorded as system events. */
  fired: string[]
  firedAlerts: FiredAlert[]
  /** Repeats already fired, per alert key: the highest repeat number. */
  repeatsFired: Record<string, number>
  acknowledgements: { alertKey: string; by: string; at: Instant }[]
  corrections: AppliedCorrection[]
  /** Event flags + path flags + metric flags (metricsOf returns the metric ones alone). */
  flags: QualityFlag[]
  closed: boolean
}

const REPEAT_KEY = /^(.*):repeat:(\d+)$/

const ALERT_KIND = {
  deadline_warning: 'warning',
  deadline_missed: 'missed',
  escalated: 'escalation',
} as const

/**
 * Fold a case's events into its state. `events` may come in any order; they are ordered by
 * recordedAt (stable) as stored.
 */
export function fold(info: CaseInfo, events: readonly CaseEvent[], network: NetworkInfo): CaseState {
  const stored = [...events].sort((a, b) => a.recordedAt - b.recordedAt)
  const { effective, applied } = applyCorrections(stored)
  const points = derivePoints(info, effective, network)
  const fired: string[] = []
  const firedAlerts: FiredAlert[] = []
  const repeatsFired: Record<string, number> = {}
  const acknowledgements: CaseState['acknowledgements'] = []
  const involved = new Set<string>()
  for (const e of stored) {
    if (isSystemEventType(e.type)) {
      const key = e.data.timerKey
      const rule = e.data.rule
      if (typeof key !== 'string' || typeof rule !== 'string') continue
      fired.push(key)
      if (e.type === 'alert_repeated') {
        const m = REPEAT_KEY.exec(key)
        if (m?.[1] !== undefined) repeatsFired[m[1]] = Math.max(repeatsFired[m[1]] ?? 0, Number(m[2]))
      } else {
        firedAlerts.push({ timerKey: key, rule: rule as RuleKey, kind: ALERT_KIND[e.type], at: e.at })
      }
      continue
    }
    if (e.by !== null) involved.add(e.by)
    if (e.type === 'alert_acknowledged' && typeof e.data.alertKey === 'string' && e.by !== null)
      // Acknowledging a repeat acknowledges the alert it repeats.
      acknowledgements.push({ alertKey: e.data.alertKey.replace(REPEAT_KEY, '$1'), by: e.by, at: e.at })
  }
  const closed = points.outcome !== null
  const base = { points }
  const flags = [...eventFlags(stored, applied), ...pathFlags(points, closed), ...metricsOf(base).flags]
  return {
    info,
    phase: phaseOf(base),
    events: stored,
    effective,
    points,
    currentFacilityId: facilityAt(points.arrivals, points.startFacilityId, Infinity),
    involved: [...involved],
    fired,
    firedAlerts,
    repeatsFired,
    acknowledgements,
    corrections: applied,
    flags,
    closed,
  }
}
