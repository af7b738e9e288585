/**
 * The calendar of the registry: months, days and wall-clock times in a time zone (the network's
 * `timezone` setting, Asia/Shanghai by default). Pure computation on date-fns + @date-fns/tz: an
 * instant goes in, a local calendar value comes out; no clock is read here. Nowhere else in the
 * code adds or subtracts a time-zone offset by hand.
 */
import { TZDate } from '@date-fns/tz'
import { addMonths } from 'date-fns/addMonths'
import { format } from 'date-fns/format'
import { startOfMonth } from 'date-fns/startOfMonth'
import { subYears } from 'date-fns/subYears'
import type { Instant } from './time.ts'

/** The registry's own zone: China has kept UTC+8 without daylight saving since 1991. */
export const REGISTRY_TIME_ZONE = 'Asia/Shanghai'

const at = (t: Instant, tz: string) => new TZDate(t, tz)

/** The registry month of an instant, as its first day: `2026-02-01` for 2026-01-31T16:00Z in Shanghai. */
export function monthOf(t: Instant, tz = REGISTRY_TIME_ZONE): string {
  let months = knownMonths.get(tz)
  if (!months) knownMonths.set(tz, (months = []))
  for (const m of months) if (t >= m.from && t < m.to) return m.label
  // Every event of a case recomputes its registry month (one of a few): the months seen last
  // are remembered, bounded, as their instant ranges. The answer is the same as the formatting.
  const label = format(at(t, tz), 'yyyy-MM-01')
  if (Number.isFinite(t)) {
    months.unshift({ from: monthStart(t, tz), to: monthStart(t, tz, 1), label })
    if (months.length > 24) months.pop()
  }
  return label
}
const knownMonths = new Map<string, { from: Instant; to: Instant; label: string }[]>()

/** The first instant of the month containing `t`, moved by `add` months (local midnight of the 1st). */
export function monthStart(t: Instant, tz = REGISTRY_TIME_ZONE, add = 0): Instant {
  return addMonths(startOfMonth(at(t, tz)), add).getTime()
}

/** The first instant of a local calendar day, `YYYY-MM-DD` (or a month, `YYYY-MM-01`); NaN when malformed. */
export function dayStart(day: string, tz = REGISTRY_TIME_ZONE): Instant {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (!m) return NaN
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const local = new TZDate(y, mo - 1, d, tz)
  // Reject 2026-02-30 and friends instead of rolling them over into March.
  return local.getFullYear() === y && local.getMonth() === mo - 1 && local.getDate() === d
    ? local.getTime()
    : NaN
}

/** The same local wall-clock time one year earlier (29 February → 28 February). */
export function yearBefore(t: Instant, tz = REGISTRY_TIME_ZONE): Instant {
  return subYears(at(t, tz), 1).getTime()
}

/**
 * The QA period when none is asked for: the twelve registry months up to and including the one
 * holding `now`, [from, to). Stable bounds within a month, so the dashboards, the province view
 * and the background refresh (workflows/runtime/metrics-refresh.ts) share one cached result.
 */
export function defaultQaPeriod(now: Instant, tz = REGISTRY_TIME_ZONE): { from: Instant; to: Instant } {
  const to = monthStart(now, tz, 1)
  return { from: yearBefore(to, tz), to }
}

/** `YYYY-MM-DD HH:mm:ss` local time (what the registry form and the CSV export expect). */
export function localDateTime(t: Instant, tz = REGISTRY_TIME_ZONE): string {
  return format(at(t, tz), 'yyyy-MM-dd HH:mm:ss')
}

/** `YYYY-MM-DD` local date. */
export function localDate(t: Instant, tz = REGISTRY_TIME_ZONE): string {
  return format(at(t, tz), 'yyyy-MM-dd')
}
