/**
 * Case-level data-quality flags (docs/qa-api.md "Data quality", NCDR practice): per-event entry
 * checks, corrections and overrides, date-order checks between time points that are not
 * already a metric, and fields required by the path taken. Metric flags live in metrics.ts.
 */
import type { CaseEvent } from './case-model.ts'
import type { AppliedCorrection } from './corrections.ts'
import { isSystemEventType } from './event-types.ts'
import type { QualityFlag } from './quality-flag.ts'
import type { TimePoints } from './time-points.ts'
import { hours, minutes, type Instant } from './time.ts'

// Registry practice: an event entered more than 24 h after it happened is a late entry
// (NCDR Chest Pain-MI abstraction timeliness; the CPC platform asks for entry within 24 h).
export const LATE_ENTRY_AFTER = hours(24)
// Clock skew between a tablet and the server is tolerated up to 5 min (same bound as step()).
export const FUTURE_TOLERANCE = minutes(5)

/** Flags raised by single events: late entry, time in the future of its recording, corrections, overrides. */
export function eventFlags(
  events: readonly CaseEvent[],
  applied: readonly AppliedCorrection[],
): QualityFlag[] {
  const flags: QualityFlag[] = []
  for (const e of events) {
    if (isSystemEventType(e.type)) continue
    if (e.recordedAt - e.at > LATE_ENTRY_AFTER)
      flags.push({
        code: 'late_entry',
        eventId: e.id,
        message: { zh: '事后补录(超过 24 小时)', en: 'Entered more than 24 h after the fact' },
      })
    if (e.at - e.recordedAt > FUTURE_TOLERANCE)
      flags.push({
        code: 'future_time',
        eventId: e.id,
        message: { zh: '时间晚于录入时间', en: 'Time is later than when it was recorded' },
      })
    const override = e.data.override
    if (typeof override === 'object' && override !== null)
      flags.push({
        code: 'override',
        eventId: e.id,
        message: { zh: '越权记录(已注明理由)', en: 'Recorded as an override with a reason' },
      })
  }
  for (const c of applied)
    flags.push({
      code: 'corrected',
      eventId: c.targetId,
      message: { zh: `已更正:${c.fields.join('、')}`, en: `Corrected: ${c.fields.join(', ')}` },
    })
  return flags
}

const order = (
  earlier: Instant | null | undefined,
  later: Instant | null | undefined,
  zh: string,
  en: string,
  eventId?: string,
): QualityFlag | null => {
  if (earlier == null || later == null || earlier <= later) return null
  const f: QualityFlag = { code: 'out_of_order', message: { zh, en } }
  if (eventId !== undefined) f.eventId = eventId
  return f
}

/**
 * Date-order checks (pairs not covered by a metric) and time points the path taken requires:
 * a bolus needs a checklist and a decision (docs/qa-api.md: flagged, never blocked, so emergency care
 * is not held up); once closed, a decided transfer needs a departure and a lysis needs its
 * reperfusion assessment.
 */
export function pathFlags(p: TimePoints, closed: boolean): QualityFlag[] {
  const out: (QualityFlag | null)[] = []
  const bolusId = p.bolus?.eventId
  out.push(
    order(p.firstEcg, p.firstTransmitted, '心电图传输早于采集', 'ECG transmitted before it was acquired'),
    order(p.checklist?.at, p.bolus?.at, '溶栓筛查晚于给药', 'Checklist completed after the bolus', bolusId),
    order(
      p.decision?.at,
      p.bolus?.at,
      '溶栓决定晚于给药',
      'Lysis decision recorded after the bolus',
      bolusId,
    ),
    order(p.bolus?.at, p.reperfusion?.at, '再灌注评估早于给药', 'Reperfusion assessed before the bolus'),
    order(
      p.consentStarted,
      p.consentSigned,
      '知情同意签字早于谈话开始',
      'Consent signed before the discussion started',
    ),
  )
  for (const d of p.departures) {
    const next =
      p.arrivals.find((a) => a.facilityId === d.toFacilityId && a.at >= d.at) ??
      p.arrivals.find((a) => a.facilityId === d.toFacilityId)
    out.push(
      order(d.at, next?.at, '到达时间早于出发时间', 'Arrival recorded before the departure', d.eventId),
    )
  }
  const missing = (zh: string, en: string, eventId?: string): QualityFlag => {
    const f: QualityFlag = { code: 'missing_time_point', message: { zh, en } }
    if (eventId !== undefined) f.eventId = eventId
    return f
  }
  if (p.bolus !== null && p.checklist === null)
    out.push(missing('溶栓无筛查表', 'Bolus without a thrombolysis checklist', bolusId))
  if (p.bolus !== null && p.decision === null)
    out.push(missing('溶栓无心内科决定', 'Bolus without a cardiologist decision', bolusId))
  if (closed && p.transferDecided !== null && !p.departures.some((d) => d.at >= (p.transferDecided ?? 0)))
    out.push(missing('已决定转院但无出门时间', 'Transfer decided but no departure recorded'))
  if (closed && p.bolus !== null && p.reperfusion === null)
    out.push(missing('溶栓后无再灌注评估', 'No reperfusion assessment after lysis', bolusId))
  return out.filter((f): f is QualityFlag => f !== null)
}
