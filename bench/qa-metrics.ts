/**
 * QA metrics benchmark: `GET /api/metrics` over N generated cases, cold and
 * warm, through the real HTTP app. Usage:
 *
 *   npx tsx bench/qa-metrics.ts [--cases 1000000] [--networks 1]
 *
 * Starts its own embedded PostgreSQL in a temporary directory unless DATABASE_URL is set (then
 * it creates and drops a database `xinlian_bench_qa` on that server). `--networks k` spreads the
 * cases over k county networks (a multi-county deployment); the query is always one network's
 * last 12 months, as the QA dashboard asks it.
 *
 * Reported: cold = first request after the data changed (exact percentile_cont over the
 * projection), warm = the same request again (version-checked result cache), recomputed =
 * a request right after one case was corrected (the cache is invalid: full recompute).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { createApp } from '../api/app.ts'
import { compose } from '../api/compose.ts'
import { loadConfig } from '../api/config.ts'
import { connect } from '../workflows/runtime/platform/connect.ts'
import { startEmbedded } from '../workflows/runtime/platform/embedded.ts'
import { migrate } from '../workflows/runtime/platform/migrate.ts'
import { setLogLevel } from '../workflows/runtime/platform/log.ts'
import { DEMO_NETWORK_ID, seedDemo } from '../fixtures/seed-demo.ts'
import { bumpVersion } from '../workflows/runtime/store/case-metrics.ts'
import { ensureQueues, startBoss } from '../workflows/runtime/boss.ts'
import { generateMetricsData, rebuildRollup } from './generate-metrics-data.ts'

const { values } = parseArgs({
  options: { cases: { type: 'string', default: '1000000' }, networks: { type: 'string', default: '1' } },
})
const cases = Number(values.cases)
const networks = Number(values.networks)
setLogLevel('warn')

let stopPg = async () => {}
let url: string
if (process.env.DATABASE_URL) {
  const admin = connect(process.env.DATABASE_URL, 1)
  await admin.unsafe('drop database if exists xinlian_bench_qa with (force)')
  await admin.unsafe('create database xinlian_bench_qa')
  await admin.end()
  const u = new URL(process.env.DATABASE_URL)
  u.pathname = '/xinlian_bench_qa'
  url = u.toString()
} else {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xinlian-bench-qa-'))
  fs.chmodSync(dir, 0o755)
  const pg = await startEmbedded({ dataDir: path.join(dir, 'pg'), persistent: false, fast: true })
  url = pg.url('postgres')
  stopPg = async () => {
    await pg.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const sql = connect(url, 10)
try {
  await migrate(sql)
  await seedDemo(sql)
  // Extra networks (copies of the demo network's facilities) for a multi-county deployment.
  const networkIds = [DEMO_NETWORK_ID]
  for (let i = 1; i < networks; i++) {
    const [n] = await sql<{ id: string }[]>`
      insert into networks (name, is_demo) values (${`bench network ${i}`}, true) returning id`
    await sql`insert into facilities (network_id, name, level, has_cath_lab, lysis_drugs)
              select ${n!.id}, name, level, has_cath_lab, lysis_drugs from facilities where network_id = ${DEMO_NETWORK_ID}`
    await sql`insert into users (network_id, username, display_name, password_hash)
              values (${n!.id}, ${`bench${i}`}, 'bench', 'x')`
    networkIds.push(n!.id)
  }
  const t0 = performance.now()
  for (const networkId of networkIds)
    await generateMetricsData(sql, {
      networkId,
      cases: Math.round(cases / networks),
      seed: 0.42,
      rollup: 'deferred',
    })
  await rebuildRollup(sql)
  const genMs = performance.now() - t0
  const boss = await startBoss(url, { supervise: false })
  await ensureQueues(boss)
  const composed = await compose(loadConfig({ PORT: '0' }), sql, boss, { workers: false })
  const app = createApp(composed.deps)
  const login = await app.request('/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'qa', password: 'demo1234' }),
  })
  const { token } = (await login.json()) as { token: string }
  const get = async (query: string) => {
    const t = performance.now()
    const r = await app.request(`/api/metrics?${query}`, { headers: { authorization: `Bearer ${token}` } })
    const body = (await r.json()) as {
      cached: boolean
      metrics: { key: string; n: number; median: number }[]
    }
    if (r.status !== 200) throw new Error(JSON.stringify(body))
    return { ms: Math.round(performance.now() - t), cached: body.cached, body }
  }
  const results: Record<string, unknown> = { cases, networks, generateSeconds: Math.round(genMs / 1000) }
  for (const groupBy of ['none', 'month', 'facility']) {
    const q = `groupBy=${groupBy}`
    const cold = await get(q)
    const warm = [await get(q), await get(q), await get(q)]
    await bumpVersion(sql, DEMO_NETWORK_ID) // what a correction does to the cache
    const recomputed = await get(q)
    results[groupBy] = {
      coldMs: cold.ms,
      warmMs: Math.min(...warm.map((w) => w.ms)),
      warmCached: warm.every((w) => w.cached),
      recomputedMs: recomputed.ms,
      fmcToEcgN: cold.body.metrics.find((m) => m.key === 'fmc_to_ecg')?.n,
    }
    console.log(groupBy, results[groupBy])
  }
  console.log(JSON.stringify(results))
  await composed.stop()
  await boss.stop({ graceful: false })
} finally {
  await sql.end({ timeout: 2 })
  await stopPg()
}
