/**
 * `npm run bench`: every benchmark on one PostgreSQL (embedded with fast flags in a temp dir,
 * or DATABASE_URL), each on its own fresh database, one after another. Prints the table and
 * writes bench/results.json. Each module also runs alone: `npx tsx bench/<name>.ts`.
 */
import fs from 'node:fs'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { startCluster } from './lib/cluster.ts'
import { printTable, type BenchResult } from './lib/result.ts'
import { loadAvg, machine } from './lib/stats.ts'
import { runDeadlineLag } from './deadline-lag.ts'
import { runEventPush } from './event-push.ts'
import { runIngest } from './ingest.ts'
import { runMemory } from './memory.ts'
import { runMetrics } from './metrics.ts'
import { runTimerLag } from './timer-lag.ts'
import { runChannelLatency } from './channel-latency.ts'

const ALL = {
  'timer-lag': runTimerLag,
  ingest: runIngest,
  'event-push': runEventPush,
  'deadline-lag': runDeadlineLag,
  metrics: runMetrics,
  memory: runMemory,
  'channel-latency': runChannelLatency,
} as const

const only = process.argv.slice(2).filter((a) => a in ALL) as (keyof typeof ALL)[]
const started = new Date()
const t0 = performance.now()
const cluster = await startCluster()
const results: (BenchResult & { seconds: number; loadBefore: number; loadAfter: number })[] = []
try {
  for (const [name, bench] of Object.entries(ALL)) {
    if (only.length && !only.includes(name as keyof typeof ALL)) continue
    const loadBefore = loadAvg()
    process.stderr.write(`[bench] ${name} (load ${loadBefore})…\n`)
    const s = performance.now()
    const r = await bench(cluster)
    results.push({
      ...r,
      seconds: Math.round((performance.now() - s) / 1000),
      loadBefore,
      loadAfter: loadAvg(),
    })
  }
} finally {
  await cluster.stop()
}
const rows = results.flatMap((r) => r.rows)
printTable(rows)
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
  } catch {
    return null
  }
})()
const out = {
  startedAt: started.toISOString(),
  seconds: Math.round((performance.now() - t0) / 1000),
  commit,
  machine: machine(),
  database: cluster.kind,
  rows,
  results,
}
fs.writeFileSync(path.resolve(import.meta.dirname, 'results.json'), JSON.stringify(out, null, 2) + '\n')
process.stdout.write(`machine: ${JSON.stringify(out.machine)}; database: ${cluster.kind}; ${out.seconds} s\n`)
process.exit(0)
