/**
 * Child process of bench/ingest.ts: where one `POST /api/cases/:id/events` spends its time.
 *
 * The real app (createApp + compose + its workers, as bench/lib/server.ts starts it) runs in this
 * process on a bench-only pool: the product's `connect` options plus postgres.js's `debug` hook,
 * which counts every SQL statement by kind and the write batches per connection (statements
 * handed to one connection in the same turn of the event loop travel together: one round trip).
 * The load (bench/ingest-load.ts, its own process) posts at a fixed rate; a first pass measures
 * statements and Node CPU per POST, a second runs under the V8 CPU profiler (node:inspector).
 */
import { Session } from 'node:inspector/promises'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import postgres from 'postgres'
import { createApp } from '../api/app.ts'
import { compose } from '../api/compose.ts'
import { loadConfig } from '../api/config.ts'
import { demoId } from '../fixtures/demo-network.ts'
import { startBoss } from '../workflows/runtime/boss.ts'
import { reconnectDelay } from '../workflows/runtime/platform/connect.ts'
import { setLogLevel } from '../workflows/runtime/platform/log.ts'
import { childInput, runChild } from './lib/child.ts'
import { statementKind, summarizeProfile, type ProfileFn } from './lib/cpu-profile.ts'
import { startMinimalServer } from './lib/minimal-server.ts'
import { createCasesOverHttp, login } from './lib/server.ts'
import type { LoadOutput } from './ingest-load.ts'

interface Input {
  url: string
  cases: number
  connections: number
  rate: number
  seconds: number
}

export interface IngestProfileOutput {
  rate: number
  posts: number
  /** SQL statements sent while the load ran, by kind, and per POST. */
  statements: Record<string, number>
  statementsPerPost: number
  /** Write batches per connection (≈ round trips to Postgres) per POST. */
  roundTripsPerPost: number
  nodeCpuMsPerPost: number
  load: LoadOutput
  /** The minimal endpoint under the same load in the same process: Node CPU per request. */
  minimal: { requests: number; nodeCpuMsPerRequest: number }
  profiled: {
    posts: number
    nodeCpuMsPerPost: number
    profiledMs: number
    areas: Record<string, number>
    top: ProfileFn[]
  }
}

const input = childInput<Input>()
setLogLevel('error')

const counts: Record<string, number> = {}
let counting = false
let batches = 0
const kinds = new Map<string, string>()
const sentThisTurn = new Set<number>()
const sql = postgres(input.url, {
  max: 20,
  idle_timeout: 30,
  connect_timeout: 15,
  backoff: reconnectDelay,
  onnotice: () => {},
  connection: { application_name: 'xinlian' },
  debug: (conn, query) => {
    if (!counting) return
    let k = kinds.get(query)
    if (k === undefined) kinds.set(query, (k = statementKind(query)))
    counts[k] = (counts[k] ?? 0) + 1
    if (!sentThisTurn.has(conn)) {
      if (!sentThisTurn.size) setImmediate(() => sentThisTurn.clear())
      sentThisTurn.add(conn)
      batches++
    }
  },
})
const boss = await startBoss(input.url, { supervise: false })
const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: input.url })
const composed = await compose(config, sql, boss, { workers: true })
const app = createApp(composed.deps)
const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
  const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
})
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
const LANTIAN = demoId('facility:lantian')
const token = await login(base, 'lantian')
const caseIds = await createCasesOverHttp(base, token, LANTIAN, input.cases, { concurrency: 8 })
const load = () =>
  runChild<LoadOutput>('ingest-load.ts', {
    base,
    token,
    caseIds,
    facilityId: LANTIAN,
    connections: input.connections,
    durationS: input.seconds,
    overallRate: input.rate,
  })
await runChild<LoadOutput>('ingest-load.ts', {
  base,
  token,
  caseIds,
  facilityId: LANTIAN,
  connections: input.connections,
  durationS: 2,
}) // warm-up: JIT, pool connections, caches

counting = true
let cpu0 = process.cpuUsage()
const measured = await load()
const cpu = process.cpuUsage(cpu0)
counting = false
if (measured.non2xx || measured.errors)
  throw new Error(`profile load: ${measured.non2xx} non-2xx, ${measured.errors} errors`)
const posts = measured.ok
const total = Object.values(counts).reduce((a, b) => a + b, 0)

// The profiled pass without the hook: postgres.js captures a stack (new Error) for every query
// while `debug` is set, which would be charged to the product. (Transactions read the option
// when they begin; only queries outside one keep the hook.)
;(sql.options as { debug?: unknown }).debug = false
const session = new Session()
session.connect()
await session.post('Profiler.enable')
await session.post('Profiler.setSamplingInterval', { interval: 200 })
await session.post('Profiler.start')
cpu0 = process.cpuUsage()
const profLoad = await load()
const profCpu = process.cpuUsage(cpu0)
const { profile } = await session.post('Profiler.stop')
session.disconnect()
if (process.env.BENCH_PROFILE_SAVE)
  (await import('node:fs')).writeFileSync(process.env.BENCH_PROFILE_SAVE, JSON.stringify(profile))
const summary = summarizeProfile(profile, undefined, Number(process.env.BENCH_PROFILE_TOP ?? 25))

// The same load on the minimal endpoint (bench/lib/minimal-server.ts) in this process: its Node
// CPU per request is the same-run yardstick for the product's.
const minimal = await startMinimalServer(input.url, caseIds, 20)
const minimalLoad = (durationS: number) =>
  runChild<LoadOutput>('ingest-load.ts', {
    base: minimal.base,
    token,
    caseIds,
    facilityId: LANTIAN,
    connections: input.connections,
    durationS,
    overallRate: input.rate,
  })
await minimalLoad(2)
cpu0 = process.cpuUsage()
const minLoad = await minimalLoad(input.seconds)
const minCpu = process.cpuUsage(cpu0)
await minimal.stop()

server.close()
await composed.stop()
await boss.stop({ graceful: false, close: true })
await sql.end({ timeout: 2 })

const r2 = (x: number) => Math.round(x * 100) / 100
const out: IngestProfileOutput = {
  rate: input.rate,
  posts,
  statements: Object.fromEntries(
    Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => [k, v]),
  ),
  statementsPerPost: r2(total / Math.max(1, posts)),
  roundTripsPerPost: r2(batches / Math.max(1, posts)),
  nodeCpuMsPerPost: r2((cpu.user + cpu.system) / 1000 / Math.max(1, posts)),
  load: measured,
  minimal: {
    requests: minLoad.ok,
    nodeCpuMsPerRequest: r2((minCpu.user + minCpu.system) / 1000 / Math.max(1, minLoad.ok)),
  },
  profiled: {
    posts: profLoad.ok,
    nodeCpuMsPerPost: r2((profCpu.user + profCpu.system) / 1000 / Math.max(1, profLoad.ok)),
    ...summary,
  },
}
process.stdout.write(JSON.stringify(out) + '\n')
process.exit(0)
