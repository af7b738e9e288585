/**
 * Child process of bench/fire-capacity.ts: the product's timer worker draining a backlog of due
 * timers, alone in its process (its CPU profile is the fire path's, not the load's).
 *
 * A backlog of `timers` cases is started with the workers off, each with its FMC back-dated so
 * that its first_ecg warning is already due. Then the real timer worker (startTimerWorker, the
 * product's settings) starts and the clock runs until every warning is recorded. Every SQL
 * With `profile`, the drain runs under the V8 CPU profiler (node:inspector), every SQL statement
 * is counted through postgres.js's `debug` hook (a bench-only pool: the product's `connect` with
 * the same options plus the hook), and the child returns self time by area and the top
 * functions. Without it the pool is the product's (no hook: postgres.js captures a stack trace
 * per query while one is set), so its CPU per fire is the product's.
 */
import { Session } from 'node:inspector/promises'
import { performance } from 'node:perf_hooks'
import postgres from 'postgres'
import { compose } from '../api/compose.ts'
import { loadConfig } from '../api/config.ts'
import { startBoss } from '../workflows/runtime/boss.ts'
import { setLogLevel } from '../workflows/runtime/platform/log.ts'
import { startTimerWorker } from '../workflows/runtime/workers.ts'
import { TIMER_QUEUE } from '../workflows/runtime/timers.ts'
import { childInput } from './lib/child.ts'
import { summarizeProfile, type ProfileFn } from './lib/cpu-profile.ts'
import { createCases, FIRST_ECG_WARN_MS } from './lib/cases.ts'
import { sleep } from './lib/stats.ts'

interface Input {
  url: string
  timers: number
  profile: boolean
}

export interface FireChildOutput {
  timers: number
  fired: number
  drainSeconds: number
  firesPerSecond: number
  /** SQL statements sent during the drain, by kind, and per fire. */
  statements: Record<string, number>
  statementsPerFire: number
  /** CPU profile of the drain (self time, ms), when `profile`. */
  areas?: Record<string, number>
  top?: ProfileFn[]
  profiledMs?: number
  nodeCpuMs: number
  /** Node's event loop utilisation during the drain (1 = never waiting). */
  eventLoopUtilization: number
  /** Samples of the product's Postgres sessions during the drain: state / wait event → share. */
  sessions: Record<string, number>
}

const input = childInput<Input>()
setLogLevel('error')

const counts: Record<string, number> = {}
let counting = false
/** A statement's kind: its verb and first table, enough to see which part of a fire it belongs to. */
const kinds = new Map<string, string>()
function kindOf(q: string): string {
  let k = kinds.get(q)
  if (k === undefined) kinds.set(q, (k = classify(q)))
  return k
}
function classify(q: string): string {
  const s = q.replace(/\s+/g, ' ').trim().toLowerCase()
  if (s.startsWith('begin') || s.startsWith('commit') || s.startsWith('rollback')) return s.split(' ')[0]!
  if (s.includes('pg_notify')) return 'notify'
  const verb = s.split(' ')[0]!
  const table =
    /(?:from|into|update|join) ((?:pgboss\.)?[a-z_]+)/.exec(s)?.[1] ??
    /^(?:with|select) .*?([a-z_]+)\(/.exec(s)?.[1] ??
    '?'
  return `${verb} ${table}`
}
const sql = postgres(input.url, {
  max: 20,
  idle_timeout: 30,
  connect_timeout: 15,
  onnotice: () => {},
  connection: { application_name: 'xinlian' },
  // postgres.js builds an Error (a stack trace) for every query while a `debug` hook is set:
  // the unprofiled run, whose CPU per fire is reported, counts without it.
  ...(input.profile
    ? {
        debug: (_conn: number, query: string) => {
          if (!counting) return
          const k = kindOf(query)
          counts[k] = (counts[k] ?? 0) + 1
        },
      }
    : {}),
})
const boss = await startBoss(input.url, { supervise: false })
const composed = await compose(loadConfig({ PORT: '0', DATABASE_URL: input.url }), sql, boss, {
  workers: false,
})
const rt = composed.deps.rt

// The backlog: first_ecg warns 7 min after FMC; FMC 7 min + 2 s ago makes it due at once (and its
// "missed" step, at 10 min, not yet).
// In chunks, each back-dated from its own start, so that a slow set-up does not age the backlog.
for (let i = 0; i < input.timers; i += 200)
  await createCases(
    rt,
    Array.from({ length: Math.min(200, input.timers - i) }, () => Date.now() - FIRST_ECG_WARN_MS - 2_000),
  )
// Cases are created with their FMC relative to their own start; the last ones need their 2 s.
await sleep(3_000)
// Every timer fire records one system event (`by` is null). On a busy machine the set-up may take
// long enough for some cases' first_ecg "missed" (FMC + 10 min) to be due as well, superseding
// their warning: such a fire counts the same (it raises an alert too).
const systemEvents = async () => {
  const [r] = await sql<{ n: number }[]>`select count(*)::int as n from case_events where by is null`
  return r!.n
}
const before = await systemEvents()
const fired = async () => (await systemEvents()) - before

let session: Session | null = null
if (input.profile) {
  session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 200 })
  await session.post('Profiler.start')
}
const cpu0 = process.cpuUsage()
const elu0 = performance.eventLoopUtilization()
// A separate connection samples what the product's sessions are doing (the sampler's own
// connection has another application_name, so it does not count itself).
const watcher = postgres(input.url, {
  max: 1,
  onnotice: () => {},
  connection: { application_name: 'bench-watch' },
})
const sessionSamples: Record<string, number> = {}
let sampling = true
const sampler = (async () => {
  while (sampling) {
    const rows = await watcher<{ k: string; n: number }[]>`
      select application_name || ': ' || coalesce(state, '?') || coalesce(' / ' || wait_event_type || ':' || wait_event, '') as k, count(*)::int as n
        from pg_stat_activity where application_name like 'xinlian%' and pid <> pg_backend_pid()
         and state is not null and state <> 'idle'
       group by 1`
    for (const r of rows) sessionSamples[r.k] = (sessionSamples[r.k] ?? 0) + r.n
    await sleep(25)
  }
})()
counting = true
const t0 = performance.now()
const workerId = await startTimerWorker(rt)
let n = 0
while (performance.now() - t0 < 600_000) {
  await sleep(100)
  counting = false
  n = await fired()
  counting = true
  if (n >= input.timers) break
}
const drainMs = performance.now() - t0
counting = false
const cpu = process.cpuUsage(cpu0)
const elu = performance.eventLoopUtilization(elu0)
sampling = false
await sampler
await watcher.end()
const sampleTotal = Object.values(sessionSamples).reduce((a, b) => a + b, 0) || 1
let areas: Record<string, number> | undefined
let top: ProfileFn[] | undefined
let profiledMs: number | undefined
if (session) {
  const { profile } = await session.post('Profiler.stop')
  session.disconnect()
  ;({ areas, top, profiledMs } = summarizeProfile(profile, fireAreaOf))
}
await boss.offWork(TIMER_QUEUE, { id: workerId })
await composed.stop()
await boss.stop({ graceful: false, close: true })
await sql.end({ timeout: 2 })

const total = Object.values(counts).reduce((a, b) => a + b, 0)
const out: FireChildOutput = {
  timers: input.timers,
  fired: n,
  drainSeconds: drainMs / 1000,
  firesPerSecond: n / (drainMs / 1000),
  statements: Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1])),
  statementsPerFire: total / Math.max(1, n),
  ...(areas ? { areas, top, profiledMs } : {}),
  nodeCpuMs: (cpu.user + cpu.system) / 1000,
  eventLoopUtilization: Math.round(elu.utilization * 100) / 100,
  sessions: Object.fromEntries(
    Object.entries(sessionSamples)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => [k, Math.round((v / sampleTotal) * 1000) / 10]),
  ),
}
process.stdout.write(JSON.stringify(out) + '\n')
process.exit(0)

/** Which part of the stack a function belongs to (by file). */
function fireAreaOf(url: string, fn: string): string {
  if (fn === '(idle)') return 'idle (waiting for Postgres / timers)'
  if (fn === '(garbage collector)') return 'garbage collector'
  if (fn === '(program)') return 'V8/native (program)'
  if (url.includes('/workflows/core/')) return 'workflows/core (fold, rules, fire)'
  if (url.includes('/workflows/runtime/')) return 'workflows/runtime (effects, store, projection)'
  if (url.includes('/node_modules/postgres/')) return 'postgres.js (protocol, parsing)'
  if (url.includes('/node_modules/pg-boss/')) return 'pg-boss'
  if (url.includes('/node_modules/')) return 'other dependencies'
  if (url.startsWith('node:') || url === '') return 'node internals (sockets, timers)'
  return 'other'
}
