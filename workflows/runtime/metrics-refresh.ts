/**
 * Keeps every network's QA results of the default period warm (metrics_cache, per network
 * version): the dashboard by facility and the parts the province view composes
 * (store/metrics.ts `provinceMetrics`). A pg-boss cron tick every five minutes, one per
 * deployment; a network none of whose cases changed since costs two small reads, a changed one
 * is computed again (at most about 0.5 s for one of 200,000 cases, README's performance table).
 * Then the pooled province views (by month, without grouping) of the default period someone read
 * in the last day, each computed again when a network of its scope changed (province_cache).
 */
import { defaultQaPeriod } from '../core/index.ts'
import type { Sql } from './platform/connect.ts'
import { networkMetrics, refreshProvinceViews, type GroupBy } from './store/metrics.ts'

export const METRICS_REFRESH_QUEUE = 'metrics-refresh'
export const METRICS_REFRESH_CRON = '*/5 * * * *'

/** The groupings the province composes (by facility; without grouping, for by network). */
const GROUPINGS: readonly GroupBy[] = ['facility', 'none']

/**
 * Recompute what changed; returns how many networks there are and how many of their results
 * were computed, and how many pooled province views were kept and computed.
 */
export async function refreshNetworkMetrics(
  sql: Sql,
  now = Date.now(),
): Promise<{ networks: number; computed: number; province: { views: number; computed: number } }> {
  const period = defaultQaPeriod(now)
  const from = new Date(period.from)
  const to = new Date(period.to)
  const networks = await sql<{ id: string }[]>`select id from networks order by id`
  let computed = 0
  for (const { id } of networks)
    for (const groupBy of GROUPINGS) {
      const r = await networkMetrics(sql, { networkId: id, from, to, groupBy, cap: 0 })
      if (!r.cached) computed++
    }
  const province = await refreshProvinceViews(sql, { from, to })
  return { networks: networks.length, computed, province }
}
