/**
 * 4. QA metrics: `GET /api/metrics` (the QA dashboard's question: one network, the last twelve
 * months) over 1,000,000 cases generated in SQL by bench/generate-metrics-data.ts, through the
 * real HTTP server. Cold = the first request after the data changed, warm = the same request
 * again (median of 5), recomputed = right after a correction invalidated the result cache.
 * The baseline is one bare `count(*)` over the same rows through postgres.js.
 * bench/qa-metrics.ts (the QA engineer's) reports more breakdowns (groupBy month / facility).
 *
 *   npx tsx bench/metrics.ts            (BENCH_METRICS_CASES=100000 for a quicker look)
 */
import { DEMO_NETWORK_ID } from '../fixtures/seed-demo.ts'
import { bumpVersion } from '../workflows/runtime/store/case-metrics.ts'
import { generateMetricsData, rebuildRollup } from './generate-metrics-data.ts'
import { isMain, runAlone } from './lib/alone.ts'
import type { Cluster } from './lib/cluster.ts'
import type { BenchResult } from './lib/result.ts'
import { startServer } from './lib/server.ts'
import { loadAvg, percentile, round } from './lib/stats.ts'

export async function runMetrics(cluster: Cluster, opts: { cases?: number } = {}) {
  const n = opts.cases ?? Number(process.env.BENCH_METRICS_CASES ?? 1_000_000)
  const db = await cluster.database('metrics')
  let srv = await startServer(db.url, { workers: false })
  try {
    const g0 = performance.now()
    await generateMetricsData(srv.sql, {
      networkId: DEMO_NETWORK_ID,
      cases: n,
      seed: 0.42,
      rollup: 'deferred',
    })
    await rebuildRollup(srv.sql)
    const generateSeconds = round((performance.now() - g0) / 1000)
    // A fresh server process state: nothing cached in memory.
    await srv.stop()
    srv = await startServer(db.url, { workers: false })
    const qa = await srv.login('qa')
    const call = async () => {
      const t = performance.now()
      const r = await fetch(`${srv.base}/api/metrics`, { headers: { authorization: `Bearer ${qa}` } })
      await r.arrayBuffer()
      if (r.status !== 200) throw new Error(`metrics: ${r.status}`)
      return performance.now() - t
    }
    const load = loadAvg()
    const cold = await call()
    const warm: number[] = []
    for (let i = 0; i < 5; i++) warm.push(await call())
    await bumpVersion(srv.sql, DEMO_NETWORK_ID) // what a correction does to the cache
    const recomputed = await call()
    const b0 = performance.now()
    await srv.sql`select count(*) from case_metrics`
    const baseline = performance.now() - b0
    const w = percentile(warm, 50)
    const bench = `QA metrics (${n} cases)`
    return {
      name: 'metrics',
      rows: [
        {
          bench,
          metric: 'cold',
          value: round(cold, 0),
          unit: 'ms',
          baseline: round(baseline, 0),
          ratio: round(cold / baseline),
          status: 'info',
          note: 'baseline: select count(*) over the same rows',
        },
        {
          bench,
          metric: 'warm (median of 5)',
          value: round(w, 1),
          unit: 'ms',
          goal: '≤ 1000 ms',
          status: w <= 1000 ? 'ok' : 'missed',
        },
        { bench, metric: 'after a correction', value: round(recomputed, 0), unit: 'ms', status: 'info' },
      ],
      detail: { cases: n, generateSeconds, cold, warm, recomputed, countBaseline: baseline, load },
    } satisfies BenchResult
  } finally {
    await srv.stop()
    await db.drop()
  }
}

if (isMain(import.meta)) await runAlone((c) => runMetrics(c))
