/**
 * 1. Event ingest: sustained `POST /api/cases/:id/events` through the real server, load from a
 * separate process (autocannon), vs the baseline of single-row INSERTs of the same payload
 * through postgres.js in one process with the same pool size and concurrency. Then, on its own
 * database, the profile of one POST (bench/ingest-profile.ts): SQL statements, round trips and
 * Node CPU per POST beside the minimal endpoint's, written to bench/PROFILE.md
 * (BENCH_PROFILE=0 skips it).
 */
import { connect } from '../workflows/runtime/platform/connect.ts'
import { demoId } from '../fixtures/demo-network.ts'
import { isMain, runAlone } from './lib/alone.ts'
import { runChild } from './lib/child.ts'
import type { Cluster } from './lib/cluster.ts'
import type { BenchResult } from './lib/result.ts'
import { startMinimalServer } from './lib/minimal-server.ts'
import { createCasesOverHttp, startServer } from './lib/server.ts'
import { loadAvg, percentile, round } from './lib/stats.ts'
import { cpuSince, onLinux, type CpuSplit } from './lib/cpu.ts'
import type { LoadOutput } from './ingest-load.ts'
import { profileIngest, profileRows, writeProfile } from './ingest-profile.ts'

const LANTIAN = demoId('facility:lantian')
/** The product's postgres.js pool (workflows/runtime/platform/connect.ts default) and the load's concurrency. */
const POOL = 20
const CONNECTIONS = 20
const CASES = 200

interface Run {
  rps: number
  p50: number
  p99: number
  load: number
  /** CPU per answered request at saturation (ms): the whole machine's and PostgreSQL's. */
  cpu?: { machine: number; postgres: number }
}

const perRequest = (c: CpuSplit, ok: number) => ({ machine: c.machineMs / ok, postgres: c.postgresMs / ok })

/** Single-row INSERTs of a `bytes`-long JSON body, `CONNECTIONS` at a time, for `seconds`. */
async function baseline(url: string, body: string, seconds: number): Promise<Run> {
  const sql = connect(url, POOL)
  await sql`create table if not exists bench_ingest (id uuid primary key, case_id uuid not null,
             body jsonb not null, recorded_at timestamptz not null default now())`
  const lat: number[] = []
  const end = performance.now() + seconds * 1000
  const lane = async () => {
    while (performance.now() < end) {
      const t = performance.now()
      await sql`insert into bench_ingest (id, case_id, body)
                values (${crypto.randomUUID()}, ${crypto.randomUUID()}, ${body}::jsonb)`
      lat.push(performance.now() - t)
    }
  }
  const t0 = performance.now()
  await Promise.all(Array.from({ length: CONNECTIONS }, lane))
  const elapsed = (performance.now() - t0) / 1000
  await sql.end()
  return { rps: lat.length / elapsed, p50: percentile(lat, 50), p99: percentile(lat, 99), load: loadAvg() }
}

export async function runIngest(cluster: Cluster, opts: { seconds?: number; rounds?: number } = {}) {
  const seconds = opts.seconds ?? 10
  const rounds = opts.rounds ?? 2
  const db = await cluster.database('ingest')
  const srv = await startServer(db.url)
  let stopped = false
  let dropped = false
  try {
    const token = await srv.login('lantian')
    const caseIds = await createCasesOverHttp(srv.base, token, LANTIAN, CASES, { concurrency: 8 })
    const load = (durationS: number, o: { base?: string; overallRate?: number } = {}) =>
      runChild<LoadOutput>('ingest-load.ts', {
        base: o.base ?? srv.base,
        token,
        caseIds,
        facilityId: LANTIAN,
        connections: CONNECTIONS,
        durationS,
        ...(o.overallRate ? { overallRate: o.overallRate } : {}),
      })
    const minimal = await startMinimalServer(db.url, caseIds, POOL)
    const warm = await load(3)
    const bodyBytes = warm.bodyBytes
    const payload = JSON.stringify({ text: 'x'.repeat(Math.max(0, bodyBytes - 11)) })
    const product: (Run & { non2xx: number; errors: number })[] = []
    const base: Run[] = []
    const mini: Run[] = []
    for (let i = 0; i < rounds; i++) {
      const l = loadAvg()
      const pc = cpuSince()
      const r = await load(seconds)
      const pcpu = pc()
      if (r.non2xx || r.errors) throw new Error(`ingest: ${r.non2xx} non-2xx, ${r.errors} errors`)
      product.push({
        rps: r.requestsPerSec,
        p50: r.p50,
        p99: r.p99,
        load: l,
        non2xx: r.non2xx,
        errors: r.errors,
        cpu: perRequest(pcpu, r.ok),
      })
      base.push(await baseline(db.url, payload, seconds))
      const mc = cpuSince()
      const m = await load(seconds, { base: minimal.base })
      const mcpu = mc()
      if (m.non2xx || m.errors) throw new Error(`ingest minimal: ${m.non2xx} non-2xx, ${m.errors} errors`)
      mini.push({
        rps: m.requestsPerSec,
        p50: m.p50,
        p99: m.p99,
        load: loadAvg(),
        cpu: perRequest(mcpu, m.ok),
      })
    }
    await minimal.stop()
    // The product at a fixed 200 req/s: the latency a county sees at a busy hour, not at saturation.
    const paced = await load(seconds, { overallRate: 200 })
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    const p = {
      rps: avg(product.map((r) => r.rps)),
      p50: avg(product.map((r) => r.p50)),
      p99: avg(product.map((r) => r.p99)),
    }
    const b = {
      rps: avg(base.map((r) => r.rps)),
      p50: avg(base.map((r) => r.p50)),
      p99: avg(base.map((r) => r.p99)),
    }
    const mn = {
      rps: avg(mini.map((r) => r.rps)),
      p50: avg(mini.map((r) => r.p50)),
      p99: avg(mini.map((r) => r.p99)),
    }
    /** Mean CPU per request of the saturated runs (ms), for `side`. */
    const cpuOf = (runs: Run[], side: 'machine' | 'postgres') => avg(runs.map((r) => r.cpu?.[side] ?? 0))
    // Where the CPU of a request goes at saturation, beside the minimal endpoint's: on 2 cores the
    // throughput ratio is close to the inverse ratio of the machine's CPU per request.
    // (PostgreSQL's row only when its processes are on this machine: a DATABASE_URL elsewhere has none.)
    const sides = (['machine', 'postgres'] as const).filter((s) => s === 'machine' || cpuOf(product, s) > 0)
    const cpuRows = onLinux()
      ? sides.map((side) => ({
          bench: 'ingest',
          metric:
            side === 'machine'
              ? 'machine CPU per POST at saturation (all processes)'
              : 'PostgreSQL CPU per POST at saturation',
          value: round(cpuOf(product, side), 3),
          unit: 'ms',
          baseline: round(cpuOf(mini, side), 3),
          ratio: round(cpuOf(product, side) / Math.max(cpuOf(mini, side), 0.001), 2),
          status: 'info' as const,
          note: 'from /proc; baseline: the minimal endpoint under the same load',
        }))
      : []
    const [events] = await srv.sql<{ n: number }[]>`select count(*)::int as n from case_events`
    await srv.stop()
    stopped = true
    await db.drop()
    dropped = true
    const profile =
      process.env.BENCH_PROFILE === '0'
        ? null
        : await profileIngest(cluster, { cases: CASES, connections: CONNECTIONS })
    if (profile) writeProfile(profile.out, profile.load)
    const result: BenchResult = {
      name: 'ingest',
      rows: [
        {
          bench: 'ingest',
          metric: 'throughput vs raw INSERT',
          value: round(p.rps),
          unit: 'req/s',
          baseline: round(b.rps),
          ratio: round(p.rps / b.rps, 2),
          status: 'info',
        },
        {
          bench: 'ingest',
          metric: 'throughput vs minimal Hono endpoint',
          value: round(p.rps),
          unit: 'req/s',
          baseline: round(mn.rps),
          ratio: round(p.rps / mn.rps, 2),
          goal: '≥ 0.5× baseline',
          status: p.rps / mn.rps >= 0.5 ? 'ok' : 'missed',
        },
        {
          bench: 'ingest',
          metric: 'p99 at 200 req/s',
          value: round(paced.p99, 2),
          unit: 'ms',
          baseline: round(mn.p99, 2),
          ratio: round(paced.p99 / Math.max(mn.p99, 0.01), 1),
          goal: '≤ 50 ms',
          status: paced.p99 <= 50 ? 'ok' : 'missed',
        },
        {
          bench: 'ingest',
          metric: 'latency p50',
          value: round(p.p50, 2),
          unit: 'ms',
          baseline: round(b.p50, 2),
          ratio: round(p.p50 / b.p50, 1),
          status: 'info',
        },
        {
          bench: 'ingest',
          metric: 'latency p99',
          value: round(p.p99, 2),
          unit: 'ms',
          baseline: round(b.p99, 2),
          ratio: round(p.p99 / b.p99, 1),
          status: 'info',
        },
        ...cpuRows,
        ...(profile ? profileRows(profile.out) : []),
      ],
      detail: {
        connections: CONNECTIONS,
        pool: POOL,
        cases: CASES,
        secondsPerRun: seconds,
        bodyBytes,
        product,
        baseline: base,
        minimalEndpoint: mini,
        pacedAt200: paced,
        eventsStored: events!.n,
        profile: profile?.out ?? null,
      },
    }
    return result
  } finally {
    if (!stopped) await srv.stop()
    if (!dropped) await db.drop()
  }
}

if (isMain(import.meta)) await runAlone((c) => runIngest(c))
