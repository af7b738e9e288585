/**
 * Several processes: the event POST load of bench/ingest.ts against two API processes on one
 * database, beside the same load against one process. Both shapes run two load generators
 * (autocannon, separate processes, `CONNECTIONS` each): in the first both aim at process A, in
 * the second one at A and one at B. On 2 cores the ratio cannot be 2×; what it shows is whether
 * anything serialises on a lock or a shared row (then it falls below 1×).
 *
 *   npx tsx bench/processes.ts      (BENCH_PROCESSES_SECONDS=10 per run)
 */
import { fork, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { isMain, runAlone } from './lib/alone.ts'
import { LANTIAN } from './lib/cases.ts'
import { runChild } from './lib/child.ts'
import type { Cluster } from './lib/cluster.ts'
import type { BenchResult } from './lib/result.ts'
import { createCasesOverHttp, login } from './lib/server.ts'
import { loadAvg, round } from './lib/stats.ts'
import type { LoadOutput } from './ingest-load.ts'

const CONNECTIONS = 10
const CASES = 200

async function serverProcess(
  url: string,
): Promise<{ base: string; child: ChildProcess; stop: () => Promise<void> }> {
  const child = fork(path.resolve(import.meta.dirname, 'server-child.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_DB_URL: url },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const base = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { base: string }) => resolve(m.base))
    child.once('exit', (code) => reject(new Error(`server child exited with ${code}`)))
  })
  return {
    base,
    child,
    stop: async () => {
      child.send('stop')
      await new Promise((r) => child.once('exit', r))
    },
  }
}

export async function runProcesses(cluster: Cluster, opts: { seconds?: number; rounds?: number } = {}) {
  const seconds = opts.seconds ?? Number(process.env.BENCH_PROCESSES_SECONDS ?? 10)
  const rounds = opts.rounds ?? 2
  const db = await cluster.database('processes')
  const a = await serverProcess(db.url)
  const b = await serverProcess(db.url)
  try {
    const token = await login(a.base, 'lantian')
    const caseIds = await createCasesOverHttp(a.base, token, LANTIAN, CASES, { concurrency: 8 })
    // Each load generator posts to its own half of the cases: no two generators share a case.
    const half = [caseIds.slice(0, CASES / 2), caseIds.slice(CASES / 2)]
    const load = (bases: [string, string], durationS: number) =>
      Promise.all(
        bases.map((base, i) =>
          runChild<LoadOutput>('ingest-load.ts', {
            base,
            token,
            caseIds: half[i],
            facilityId: LANTIAN,
            connections: CONNECTIONS,
            durationS,
          }),
        ),
      )
    await load([a.base, b.base], 3) // warm both
    const one: number[] = []
    const two: number[] = []
    const p99: { one: number[]; two: number[] } = { one: [], two: [] }
    const loads: number[] = []
    for (let i = 0; i < rounds; i++) {
      loads.push(loadAvg())
      for (const [shape, bases] of [
        ['one', [a.base, a.base]],
        ['two', [a.base, b.base]],
      ] as const) {
        const r = await load(bases as [string, string], seconds)
        for (const x of r)
          if (x.non2xx || x.errors) throw new Error(`processes: ${x.non2xx} non-2xx, ${x.errors} errors`)
        ;(shape === 'one' ? one : two).push(r.reduce((s, x) => s + x.requestsPerSec, 0))
        p99[shape].push(Math.max(...r.map((x) => x.p99)))
      }
    }
    const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length
    const rps1 = avg(one)
    const rps2 = avg(two)
    const bench = 'several processes (event POST)'
    const result: BenchResult = {
      name: 'processes',
      rows: [
        {
          bench,
          metric: 'throughput, 2 API processes vs 1',
          value: round(rps2),
          unit: 'req/s',
          baseline: round(rps1),
          ratio: round(rps2 / rps1, 2),
          goal: '≥ 1× (nothing serialises)',
          status: rps2 / rps1 >= 0.95 ? 'ok' : 'missed',
          note: `2 cores: both shapes share them with Postgres and the load generators; 2 × ${CONNECTIONS} connections`,
        },
        {
          bench,
          metric: 'latency p99, 2 processes vs 1',
          value: round(avg(p99.two), 1),
          unit: 'ms',
          baseline: round(avg(p99.one), 1),
          ratio: round(avg(p99.two) / avg(p99.one), 2),
          status: 'info',
        },
      ],
      detail: {
        connectionsPerGenerator: CONNECTIONS,
        cases: CASES,
        secondsPerRun: seconds,
        one,
        two,
        p99,
        loads,
      },
    }
    return result
  } finally {
    await a.stop()
    await b.stop()
    await db.drop()
  }
}

if (isMain(import.meta)) await runAlone((c) => runProcesses(c))
