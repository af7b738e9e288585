import { Hono } from 'hono'
import { z } from 'zod'
import { dayStart, monthStart, REGISTRY_TIME_ZONE, yearBefore } from '../../workflows/core/index.ts'
import { isNetworkWide } from '../../workflows/runtime/access.ts'
import { networkMetrics } from '../../workflows/runtime/store/metrics.ts'
import type { UserRow } from '../../workflows/runtime/store/users.ts'
import { requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { forbidden, problem } from '../http/errors.ts'
import { readQuery } from '../http/validate.ts'

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
 * to and including the current one (China time) — stable bounds, so repeated dashboard loads
 * share one cached result.
 */
export function periodOf(q: { from?: Date; to?: Date }): { from: Date; to: Date } {
  // Registry months (China time, workflows/core/calendar.ts), like the rollup.
  const to = q.to ?? new Date(monthStart(Date.now(), REGISTRY_TIME_ZONE, 1))
  const from = q.from ?? new Date(yearBefore(to.getTime(), REGISTRY_TIME_ZONE))
  if (from >= to) throw problem('invalid', 'from', { detail: 'must be before to' })
  if (to.getTime() - from.getTime() > 5 * 366 * DAY)
    throw problem('invalid', 'to', { detail: 'at most 5 years per request' })
  return { from, to }
}

/**
 * Who may read aggregates, and over which facility. Network-wide roles (QA, admin,
 * cardiologist, cath lab) read the whole network; village and township staff read only what
 * their own facility is accountable for (their unit's D2N, DIDO, FMC→ECG), never the others'.
 */
export function metricsScope(user: UserRow, facilityId: string | undefined): string | undefined {
  if (isNetworkWide(user)) return facilityId
  if (facilityId) {
    if (!user.facilityIds.includes(facilityId)) throw forbidden()
    return facilityId
  }
  if (user.facilityIds.length === 1) return user.facilityIds[0]
  throw problem('invalid', 'facilityId', { detail: 'required: you work at several facilities' })
}

const MetricsQuery = PeriodQuery.extend({
  groupBy: z.enum(['none', 'month', 'facility']).default('none'),
  cap: z.coerce.number().int().min(0).max(500).default(50),
})

/** `GET /api/metrics` — SPEC §5 aggregates of the caller's network (docs/qa-api.md). */
export const metricsRoutes = new Hono<AppEnv>().use(requireUser).get('/', async (c) => {
  const user = c.var.user
  const q = readQuery(c, MetricsQuery)
  const { from, to } = periodOf(q)
  const facilityId = metricsScope(user, q.facilityId)
  const r = await networkMetrics(c.var.deps.sql, {
    networkId: user.networkId,
    from,
    to,
    facilityId,
    groupBy: q.groupBy,
    cap: q.cap,
  })
  return c.json({
    networkId: user.networkId,
    from: from.toISOString(),
    to: to.toISOString(),
    facilityId: facilityId ?? null,
    groupBy: q.groupBy,
    ...r,
  })
})
