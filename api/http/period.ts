/** The `from`/`to`/`facilityId` query of the metrics, QA and export endpoints (docs/qa-api.md). */
import { z } from 'zod'
import { dayStart, defaultQaPeriod, REGISTRY_TIME_ZONE, yearBefore } from '../../workflows/core/index.ts'
import { problem } from '../../workflows/core/problem.ts'

const DAY = 86_400_000

/** `from`/`to`: a date (`2025-03-01`, registry midnight) or an ISO instant; default the last 12 months. */
const instant = z
  .string()
  .transform((s, ctx) => {
    const t = /^\d{4}-\d{2}-\d{2}$/.test(s) ? dayStart(s, REGISTRY_TIME_ZONE) : Date.parse(s)
    if (!Number.isFinite(t)) {
      ctx.addIssue({ code: 'custom', message: 'a date (YYYY-MM-DD) or an ISO 8601 instant' })
      return z.NEVER
    }
    return new Date(t)
  })
  .optional()

export const PeriodQuery = z.object({ from: instant, to: instant, facilityId: z.uuid().optional() })

/**
 * The period of a request: [from, to), at most 5 years. Default: the twelve calendar months up
 * to and including the current one (registry months, workflows/core/calendar.ts) — stable bounds,
 * so repeated dashboard loads share one cached result.
 */
export function periodOf(q: { from?: Date; to?: Date }): { from: Date; to: Date } {
  const to = q.to ?? new Date(defaultQaPeriod(Date.now()).to)
  const from = q.from ?? new Date(yearBefore(to.getTime(), REGISTRY_TIME_ZONE))
  if (from >= to) throw problem('period_order', 'from')
  if (to.getTime() - from.getTime() > 5 * 366 * DAY) throw problem('period_too_long', 'to')
  return { from, to }
}
