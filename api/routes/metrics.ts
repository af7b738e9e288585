import { Hono } from 'hono'
import { z } from 'zod'
import { isNetworkWide, provinceScope } from '../../workflows/core/access.ts'
import { namesOf } from '../../workflows/runtime/store/network.ts'
import { grantedNetworks, networkMetrics, provinceMetrics } from '../../workflows/runtime/store/metrics.ts'
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
  // With the false cath lab activations per month of activation (docs/ambulance.md), whatever
  // `groupBy`: computed and cached with the aggregates (before, they were recomputed on every
  // request, a scan of the network's projection that made the warm path as slow as the cold).
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

/** How old a province view may be (seconds): a network's part by network or facility, the pooled answer by month or none. */
export const PROVINCE_MAX_AGE_DEFAULT = 300
const ProvinceQuery = PeriodQuery.omit({ facilityId: true }).extend({
  groupBy: z.enum(['none', 'network', 'facility', 'month']).default('network'),
  maxAge: z.coerce
    .number()
    .int()
    .min(0)
    .max(3600)
    .default(PROVINCE_MAX_AGE_DEFAULT)
    .describe(
      'seconds the answer may lag its cases: a network part by network and facility, the pooled answer by month and none (0 = computed again on any change)',
    ),
})

/**
 * `GET /api/province/metrics` — the health commission's view: the QA aggregates of every network
 * the caller may read (their own and those whose admins granted it, workflows/core/access.ts
 * provinceScope), the cases pooled (percentiles over all of them), grouped by network, facility
 * or month. Aggregates only: no case ids.
 */
export const provinceMetricsRoutes = new Hono<AppEnv>().use(requireUser).get('/', async (c) => {
  const user = c.var.user
  const q = readQuery(c, ProvinceQuery)
  const { from, to } = periodOf(q)
  const networkIds = provinceScope(user, await grantedNetworks(c.var.deps.sql, user.id))
  if (!networkIds) throw forbidden()
  const r = await provinceMetrics(c.var.deps.sql, {
    networkIds,
    from,
    to,
    groupBy: q.groupBy,
    maxAgeSeconds: q.maxAge,
  })
  const names = await namesOf(c.var.deps.sql, networkIds)
  return c.json({
    networkIds,
    from: from.toISOString(),
    to: to.toISOString(),
    groupBy: q.groupBy,
    ...r,
    names,
  })
})

const CaseIdsSample = z.object({ count: z.number().int(), caseIds: z.array(z.uuid()) })
const MetricRow = z.object({
  key: z.enum(METRIC_KEYS),
  group: z
    .string()
    .nullable()
    .describe(
      "'all', the month YYYY-MM-01, the accountable facility id (null: accountable to no facility), or (province) the network id",
    ),
  n: z.number().int(),
  mean: z.number().nullable(),
  median: z.number().nullable(),
  p90: z.number().nullable(),
  withinTarget: z.number().nullable(),
  target: z
    .object({ min: z.number().optional(), max: z.number().optional(), strictMax: z.boolean().optional() })
    .nullable(),
  outsideTarget: CaseIdsSample,
  flagged: CaseIdsSample,
})
const RateRow = z.object({
  key: z.enum(['bypass_ed', 'lysis_success', 'remote_ecg']),
  group: z.string().nullable().describe('as a metric row'),
  numerator: z.number().int(),
  denominator: z.number().int(),
  rate: z.number().nullable(),
  target: z.number().nullable(),
})
export const metricsContract: Operation[] = [
  op({
    method: 'GET',
    path: '/api/province/metrics',
    summary:
      'Province QA: the aggregates of every network granted to the caller, cases pooled; no case ids (docs/qa-api.md)',
    roles: 'qa holding a grant of another network (qa_network_grants)',
    query: ProvinceQuery,
    response: z.object({
      networkIds: z.array(z.uuid()),
      from: IsoTime,
      to: IsoTime,
      groupBy: z.enum(['none', 'network', 'facility', 'month']),
      metrics: z.array(MetricRow),
      rates: z.array(RateRow),
      asOf: IsoTime.describe('the oldest state of the cases any part of the answer was computed from'),
      names: z
        .record(z.uuid(), z.object({ name: z.string(), nameEn: z.string().nullable(), networkId: z.uuid() }))
        .describe('the name of every network and facility of the scope, by id (a network names itself)'),
    }),
  }),
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
      metrics: z.array(MetricRow),
      rates: z.array(RateRow),
      version: z.number(),
      asOf: IsoTime.describe(
        'the state of the cases shown: now, or when it was computed if a case changed since',
      ),
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
