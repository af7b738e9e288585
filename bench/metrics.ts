/**
 * 4. QA metrics: `GET /api/metrics` over 1,000,000 generated cases, cold (first call after the
 * server starts) and warm (median of the next calls).
 *
 * The endpoint and its SQL history generator are being built on branch `qa`. This module runs
 * when both exist on the branch it is run from; otherwise it reports a "pending" row. The
 * generator is looked up as an exported `generate*` function of `fixtures/history*.ts` taking
 * `(sql, { cases })`.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Sql } from '../api/db/connect.ts'
import { isMain, runAlone } from './lib/alone.ts'
import type { Cluster } from './lib/cluster.ts'
import type { BenchResult } from './lib/result.ts'
import { startServer } from './lib/server.ts'
import { loadAvg, percentile, round } from './lib/stats.ts'

type Generator = (sql: Sql, opts: { cases: number }) => Promise<unknown>

async function findGenerator(): Promise<Generator | null> {
  const dir = path.resolve(import.meta.dirname, '../fixtures')
  for (const f of fs.readdirSync(dir).filter((x) => /^history.*\.ts$/.test(x))) {
    const mod = (await import(path.join(dir, f))) as Record<string, unknown>
    const fn = Object.entries(mod).find(([k, v]) => /^generate/i.test(k) && typeof v === 'function')
    if (fn) return fn[1] as Generator
  }
  return null
}

const pending = (note: string): BenchResult => ({
  name: 'metrics',
  rows: [
    {
      bench: 'QA metrics (1,000,000 cases)',
      metric: 'GET /api/metrics warm',
      value: null,
      unit: '',
      goal: '≤ 1000 ms',
      status: 'pending',
      note,
    },
  ],
  detail: { pending: note },
})

export async function runMetrics(cluster: Cluster, opts: { cases?: number } = {}) {
  const n = opts.cases ?? Number(process.env.BENCH_METRICS_CASES ?? 1_000_000)
  const generate = await findGenerator()
  const db = await cluster.database('metrics')
  let srv = await startServer(db.url, { workers: false })
  try {
    const probe = await fetch(`${srv.base}/api/metrics`, {
      headers: { authorization: `Bearer ${await srv.login('qa')}` },
    })
    if (probe.status === 404) return pending('GET /api/metrics not on main yet (branch qa)')
    if (!generate) return pending('history generator not on main yet (branch qa)')
    const g0 = performance.now()
    await generate(srv.sql, { cases: n })
    const generateSeconds = round((performance.now() - g0) / 1000)
    await srv.sql`vacuum analyze`
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
    for (let i = 0; i < 10; i++) warm.push(await call())
    const w = percentile(warm, 50)
    return {
      name: 'metrics',
      rows: [
        {
          bench: `QA metrics (${n} cases)`,
          metric: 'cold',
          value: round(cold, 0),
          unit: 'ms',
          status: 'info',
        },
        {
          bench: `QA metrics (${n} cases)`,
          metric: 'warm (median of 10)',
          value: round(w, 0),
          unit: 'ms',
          goal: '≤ 1000 ms',
          status: w <= 1000 ? 'ok' : 'missed',
        },
      ],
      detail: { cases: n, generateSeconds, cold, warm, load },
    } satisfies BenchResult
  } finally {
    await srv.stop()
    await db.drop()
  }
}

if (isMain(import.meta)) await runAlone((c) => runMetrics(c))
