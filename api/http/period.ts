/** The `from`/`to`/`facilityId` query of the metrics, QA and export endpoints (docs/qa-api.md). */
import { z } from 'zod'
import { problem } from '../../workflows/core/problem.ts'

const DAY = 86_400_000

/** `from`/`to`: a date (`2025-03-01`, China midnight) or an ISO instant; default the last 12 months. */
const instant = z
  .string()
  .transform((s, ctx) => {
    const t = /^\d{4}-\d{2}-\d{2}$/.test(s) ? Date.parse(`${s}T00:00:00+08:00`) : Date.parse(s)
    if (!Number.isFinite(t)) {
      ctx.addIssue({ code: 'custom', message: 'a date (YYYY-MM-DD) or an ISO 8601 instant' })
      return z.NEVER
    }
    return new Date(t)
  })
  .optional()

export const PeriodQuery = z.object({ from: instant, to: instant, facilityId: z.uuid().optional() })

/** The first instant of the month after `t`'s month, China time (UTC+8, no DST). */
function nextChinaMonth(t: number): Date {
  const local = new Date(t + 8 * 3_600_000)
  return new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 1) - 8 * 3_600_000)
}

/** The same China wall-clock time a year earlier (1 March stays 1 March, also after 29 February). */
function yearBefore(t: Date): Date {
  const local = new Date(t.getTime() + 8 * 3_600_000)
  local.setUTCFullYear(local.getUTCFullYear() - 1)
  return new Date(local.getTime() - 8 * 3_600_000)
}

/**
 * The period of a request: [from, to), at most 5 years. Default: the twelve calendar months up
 * to and including the current one (China time) — stable bounds, so repeated dashboard loads
 * share one cached result.
 */
export function periodOf(q: { from?: Date; to?: Date }): { from: Date; to: Date } {
  const to = q.to ?? nextChinaMonth(Date.now())
  const from = q.from ?? yearBefore(to)
  if (from >= to) throw problem('period_order', 'from')
  if (to.getTime() - from.getTime() > 5 * 366 * DAY) throw problem('period_too_long', 'to')
  return { from, to }
}
