import { Hono } from 'hono'
import { z } from 'zod'
import { isNetworkWide } from '../../workflows/core/access.ts'
import { activationsByMonth } from '../../workflows/runtime/store/activations.ts'
import { networkMetrics } from '../../workflows/runtime/store/metrics.ts'
import type { UserRow } from '../../workflows/runtime/store/users.ts'
import { requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { METRIC_KEYS } from '../../workflows/core/index.ts'
import { op, IsoTime, type Operation } from '../http/contract.ts'
import { forbidden, problem } from '../http/errors.ts'
import { PeriodQuery, periodOf } from '../http/period.ts'
import { readQuery } from '../http/validate.ts'

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

/** `GET /api/metrics` — the QA aggregates of the caller's network (docs/qa-api.md). */
export const metricsRoutes = new Hono<AppEnv>().use(requireUser).get('/', async (c) => {
  const user = c.var.user
  const q = readQuery(c, MetricsQuery)
  const { from, to } = periodOf(q)
  const facilityId = metricsScope(user, q.facilityId)
  const [r, activations] = await Promise.all([
    networkMetrics(c.var.deps.sql, {
      networkId: user.networkId,
      from,
      to,
      facilityId,
      groupBy: q.groupBy,
      cap: q.cap,
    }),
    // False cath lab activations per month of activation (docs/ambulance.md), whatever `groupBy`.
    activationsByMonth(c.var.deps.sql, { networkId: user.networkId, from, to, facilityId }),
  ])
  return c.json({
    networkId: user.networkId,
    from: from.toISOString(),
    to: to.toISOString(),
    facilityId: facilityId ?? null,
    groupBy: q.groupBy,
    ...r,
    activations,
  })
})

const CaseIdsSample = z.object({ count: z.number().int(), caseIds: z.array(z.uuid()) })
export const metricsContract: Operation[] = [
  op({
    method: 'GET',
    path: '/api/metrics',
    summary: 'Aggregates: n, mean, median, p90, within target, outside/flagged cases, rates (docs/qa-api.md)',
    roles: 'qa, admin, cardiologist, cath_lab (network); village/township (own facility)',
    query: MetricsQuery,
    response: z.object({
      networkId: z.uuid(),
      from: IsoTime,
      to: IsoTime,
      facilityId: z.uuid().nullable(),
      groupBy: z.enum(['none', 'month', 'facility']),
      metrics: z.array(
        z.object({
          key: z.enum(METRIC_KEYS),
          group: z.string().describe("'all', the month YYYY-MM-01, or the accountable facility id"),
          n: z.number().int(),
          mean: z.number().nullable(),
          median: z.number().nullable(),
          p90: z.number().nullable(),
          withinTarget: z.number().nullable(),
          target: z
            .object({
              min: z.number().optional(),
              max: z.number().optional(),
              strictMax: z.boolean().optional(),
            })
            .nullable(),
          outsideTarget: CaseIdsSample,
          flagged: CaseIdsSample,
        }),
      ),
      rates: z.array(
        z.object({
          key: z.enum(['bypass_ed', 'lysis_success', 'remote_ecg']),
          group: z.string(),
          numerator: z.number().int(),
          denominator: z.number().int(),
          rate: z.number().nullable(),
          target: z.number().nullable(),
        }),
      ),
      version: z.number(),
      cached: z.boolean(),
      activations: z.array(
        z.object({
          month: z.string().describe('YYYY-MM-01'),
          activations: z.number().int(),
          falseActivations: z.number().int(),
        }),
      ),
    }),
  }),
]
