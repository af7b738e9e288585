/**
 * `npm run bench`: every benchmark on one PostgreSQL (embedded with fast flags in a temp dir,
 * or DATABASE_URL), each on its own fresh database, one after another. Prints the table, writes
 * bench/results.json and regenerates the README's performance table from it (bench/table.ts).
 * `npm run bench -- province slow-link` runs only those: their results replace the same
 * benchmarks' results in bench/results.json, the others are kept with their own date and commit.
 * Each module also runs alone: `npx tsx bench/<name>.ts`.
 */
import fs from 'node:fs'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { startCluster } from './lib/cluster.ts'
import { printTable, type BenchResult } from './lib/result.ts'
import { loadAvg, machine } from './lib/stats.ts'
import { runDeadlineLag } from './deadline-lag.ts'
import { runEventPush } from './event-push.ts'
import { runFireCapacity } from './fire-capacity.ts'
import { runIngest } from './ingest.ts'
import { runMemory } from './memory.ts'
import { runMetrics } from './metrics.ts'
import { runProcesses } from './processes.ts'
import { runProvince } from './province.ts'
import { runSlowLink } from './slow-link.ts'
import { runTimerLag } from './timer-lag.ts'
import { RESULTS, writeReadmeTable, type Results, type StoredResult } from './table.ts'
import { runChannelLatency } from './channel-latency.ts'

const ALL = {
  'timer-lag': runTimerLag,
  ingest: runIngest,
  'event-push': runEventPush,
  'deadline-lag': runDeadlineLag,
  'fire-capacity': runFireCapacity,
  metrics: runMetrics,
  province: runProvince,
  processes: runProcesses,
  memory: runMemory,
  'slow-link': runSlowLink,
  'channel-latency': runChannelLatency,
} as const

const only = process.argv.slice(2).filter((a) => a in ALL) as (keyof typeof ALL)[]
const unknown = process.argv.slice(2).filter((a) => !(a in ALL))
if (unknown.length)
  throw new Error(`unknown benchmark(s): ${unknown.join(', ')}; names: ${Object.keys(ALL).join(' ')}`)
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
  } catch {
    return null
  }
})()
/** The working tree against HEAD, the bench's own outputs left out: which files, and a hash of the diff. */
const treeState = (() => {
  const outputs = [':!bench/results.json', ':!bench/PROFILE.md', ':!README.md', ':!docs/screenshots']
  const git = (args: string[]) => execFileSync('git', args, { encoding: 'utf8', maxBuffer: 1 << 26 })
  return () => {
    try {
      const dirty = git(['status', '--porcelain', '--untracked-files=normal', '--', '.', ...outputs])
        .split('\n')
        .filter(Boolean)
        .map((l) => l.slice(3))
      const diff = git(['diff', 'HEAD', '--', '.', ...outputs])
      return { dirty, hash: createHash('sha256').update(diff).update(dirty.join('\n')).digest('hex') }
    } catch {
      return { dirty: [], hash: '' }
    }
  }
})()
const started = new Date()
const t0 = performance.now()
const cluster = await startCluster()
const results: StoredResult[] = []
try {
  for (const [name, bench] of Object.entries(ALL)) {
    if (only.length && !only.includes(name as keyof typeof ALL)) continue
    const loadBefore = loadAvg()
    process.stderr.write(`[bench] ${name} (load ${loadBefore})…\n`)
    const s = performance.now()
    const treeBefore = treeState()
    // One benchmark failing (a timeout on a busy machine) must not lose the others' results.
    const r: BenchResult = await bench(cluster).catch((e: unknown) => {
      process.stderr.write(
        `[bench] ${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      )
      return {
        name,
        rows: [{ bench: name, metric: 'failed', value: null, unit: '', status: 'missed', note: String(e) }],
        detail: { error: String(e) },
      } satisfies BenchResult
    })
    results.push({
      ...r,
      startedAt: new Date(Date.now() - (performance.now() - s)).toISOString(),
      commit,
      seconds: Math.round((performance.now() - s) / 1000),
      loadBefore,
      loadAfter: loadAvg(),
      machine: machine(),
      database: cluster.kind,
      tree: { dirty: treeBefore.dirty, changedDuring: treeState().hash !== treeBefore.hash },
    })
    if (results.at(-1)!.tree!.changedDuring)
      process.stderr.write(
        `[bench] ${name}: the working tree changed while it ran; its result says so (tree)\n`,
      )
  }
} finally {
  await cluster.stop()
}
printTable(results.flatMap((r) => r.rows))

// Keep the other benchmarks' last results when only some ran; order as in ALL.
const previous: Results | null =
  only.length && fs.existsSync(RESULTS) ? (JSON.parse(fs.readFileSync(RESULTS, 'utf8')) as Results) : null
const byName = new Map<string, StoredResult>()
for (const r of previous?.results ?? [])
  byName.set(r.name, {
    ...r,
    startedAt: r.startedAt ?? previous!.startedAt,
    commit: r.commit ?? previous!.commit,
    machine: r.machine ?? previous!.machine,
    database: r.database ?? previous!.database,
  })
for (const r of results) byName.set(r.name, r)
const merged = Object.keys(ALL)
  .map((n) => byName.get(n))
  .filter((r): r is StoredResult => !!r)
const out: Results = {
  startedAt: started.toISOString(),
  seconds: Math.round((performance.now() - t0) / 1000),
  commit,
  partial: only.length ? only : undefined,
  machine: machine(),
  database: cluster.kind,
  rows: merged.flatMap((r) => r.rows),
  results: merged,
}
fs.writeFileSync(RESULTS, JSON.stringify(out, null, 2) + '\n')
writeReadmeTable(out)
process.stdout.write(`machine: ${JSON.stringify(out.machine)}; database: ${cluster.kind}; ${out.seconds} s\n`)
process.exit(0)
