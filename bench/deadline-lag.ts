import { spawn } from 'node:child_process'
/**
 * 3. Deadline lag in a regional burst: 10,000 first_ecg warnings due within the same 60 s,
 * through the product path (pg-boss job armed by createCase → timer worker → fireTimer →
 * deadline_warning recorded), vs bare pg-boss jobs with `startAfter` in the same kind of window
 * on the same database with the same worker settings and a no-op handler, and vs bare pg-boss
 * with its default settings (batchSize 1, polling 2 s).
 *
 *   npx tsx bench/deadline-lag.ts            (BENCH_TIMERS=2000 for a quicker look)
 */
import type { Job, PgBoss } from 'pg-boss'
import { startBoss } from '../workflows/runtime/boss.ts'
import { TIMER_WORKER } from '../workflows/runtime/workers.ts'
import { isMain, runAlone } from './lib/alone.ts'
import { createCases, FIRST_ECG_WARN_MS, startRuntime, warningLags } from './lib/cases.ts'
import type { Cluster } from './lib/cluster.ts'
import type { BenchResult, Row } from './lib/result.ts'
import { loadAvg, round, sleep, summarize, type Summary } from './lib/stats.ts'

const WINDOW_MS = 60_000

/** Due times spread evenly over [start, start + WINDOW_MS). */
const windowOf = (start: number, n: number) =>
  Array.from({ length: n }, (_, i) => start + Math.floor((i * WINDOW_MS) / n))

interface ProductRun extends Summary {
  timers: number
  createSeconds: number
  slackSeconds: number
  lastFiredAfterWindowS: number
  load: number[]
}

async function productPath(cluster: Cluster, n: number): Promise<ProductRun> {
  const db = await cluster.database('deadline')
  const p = await startRuntime(db.url)
  try {
    // Pilot: how fast does this machine start cases right now? (Their FMC is long past, so their
    // first_ecg "missed" fires once, seconds later, before the window opens.)
    const t0 = performance.now()
    const pilotN = 200
    await createCases(
      p.rt,
      Array.from({ length: pilotN }, () => Date.now() - 30 * 60_000),
    )
    const perCase = (performance.now() - t0) / pilotN
    const windowStart = Date.now() + Math.round(perCase * n * 2) + 10_000
    const due = windowOf(windowStart, n)
    const load = [loadAvg()]
    const c0 = performance.now()
    // Cases in due order, FMC back-dated so that first_ecg warns (FMC + 7 min) at its due time.
    const ids = await createCases(
      p.rt,
      due.map((d) => d - FIRST_ECG_WARN_MS),
    )
    const createSeconds = (performance.now() - c0) / 1000
    const slackSeconds = (windowStart - Date.now()) / 1000
    load.push(loadAvg())
    const end = windowStart + WINDOW_MS
    let lags: number[] = []
    while (Date.now() < end + 180_000) {
      await sleep(2000)
      if (Date.now() < end) continue
      lags = await warningLags(p.sql, ids)
      if (lags.length >= n) break
    }
    load.push(loadAvg())
    const [last] = await p.sql<{ t: Date | null }[]>`
      select max(recorded_at) as t from case_events where type = 'deadline_warning'`
    return {
      ...summarize(lags),
      timers: n,
      createSeconds: round(createSeconds),
      slackSeconds: round(slackSeconds),
      lastFiredAfterWindowS: last?.t ? round((last.t.getTime() - end) / 1000, 2) : NaN,
      load,
    }
  } finally {
    await p.stop()
    await db.drop()
  }
}

interface BareRun extends Summary {
  timers: number
  due: number
  fired: number
  censoredAtS: number
  load: number[]
}

/**
 * Bare pg-boss: `n` jobs with `startAfter` spread over a 60 s window, a no-op handler noting
 * how late it ran. Jobs still pending at `capMs` after the window opens count with the lag they
 * had reached then (so percentiles are lower bounds when `fired < timers`).
 */
async function barePgBoss(
  boss: PgBoss,
  queue: string,
  n: number,
  work: { batchSize: number; pollingIntervalSeconds: number; localConcurrency: number },
  capMs: number,
): Promise<BareRun> {
  await boss.createQueue(queue)
  const start = Date.now() + 5_000
  const due = windowOf(start, n)
  for (let i = 0; i < n; i += 1000)
    await boss.insert(
      queue,
      due.slice(i, i + 1000).map((d) => ({ data: { due: d }, startAfter: new Date(d) })),
    )
  const load = [loadAvg()]
  const lags: number[] = []
  const id = await boss.work<{ due: number }>(queue, work, (jobs: Job<{ due: number }>[]) => {
    const now = Date.now()
    for (const j of jobs) lags.push(now - j.data.due)
    return Promise.resolve()
  })
  const stopAt = start + capMs
  while (Date.now() < stopAt && lags.length < n) await sleep(250)
  await boss.offWork(queue, { id })
  load.push(loadAvg())
  const fired = lags.length
  const censoredAt = Date.now()
  // Jobs fire in due order: the unfired ones are the latest. Only jobs already due count, each
  // with the lag it had reached when observation stopped (a lower bound).
  const unfired = due.slice(fired).filter((d) => d <= censoredAt)
  const all = [...lags, ...unfired.map((d) => censoredAt - d)]
  return {
    ...summarize(all),
    timers: n,
    due: fired + unfired.length,
    fired,
    censoredAtS: round((censoredAt - start) / 1000),
    load,
  }
}

/** A CPU-bound competitor process taking one core, as other work on a shared hospital server would. */
function cpuHog(): () => void {
  const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' })
  return () => child.kill('SIGKILL')
}

export async function runDeadlineLag(cluster: Cluster, opts: { timers?: number; contention?: boolean } = {}) {
  const n = opts.timers ?? Number(process.env.BENCH_TIMERS ?? 10_000)
  const product = await productPath(cluster, n)
  let contended: { product: Awaited<ReturnType<typeof productPath>>; bare: BareRun } | null = null
  if (opts.contention ?? process.env.BENCH_CONTENTION !== '0') {
    const stop = cpuHog()
    try {
      const cp = await productPath(cluster, n)
      const cdb = await cluster.database('bare-contended', { seed: false })
      const cboss = await startBoss(cdb.url, { supervise: false })
      try {
        const bare = await barePgBoss(
          cboss,
          'bench_contended',
          n,
          {
            batchSize: TIMER_WORKER.batchSize,
            pollingIntervalSeconds: TIMER_WORKER.pollingIntervalSeconds,
            localConcurrency: TIMER_WORKER.localConcurrency,
          },
          WINDOW_MS + 120_000,
        )
        contended = { product: cp, bare }
      } finally {
        await cboss.stop({ graceful: false, close: true })
        await cdb.drop()
      }
    } finally {
      stop()
    }
  }
  const db = await cluster.database('bare', { seed: false })
  const boss = await startBoss(db.url, { supervise: false })
  let same: BareRun
  let defaults: BareRun
  try {
    const settings = {
      batchSize: TIMER_WORKER.batchSize,
      pollingIntervalSeconds: TIMER_WORKER.pollingIntervalSeconds,
      localConcurrency: TIMER_WORKER.localConcurrency,
    }
    same = await barePgBoss(boss, 'bench_same_settings', n, settings, WINDOW_MS + 120_000)
    // pg-boss defaults: one job per fetch, a fetch every 2 s. Observed for 30 s only: it cannot
    // keep up (≈ 0.5 jobs/s), which is the point.
    defaults = await barePgBoss(
      boss,
      'bench_default_settings',
      n,
      { batchSize: 1, pollingIntervalSeconds: 2, localConcurrency: 1 },
      30_000,
    )
  } finally {
    await boss.stop({ graceful: false, close: true })
    await db.drop()
  }
  const ms = (x: number) => round(x, 0)
  const row = (metric: string, pv: number, bv: number, extra: Partial<Row> = {}): Row => ({
    bench: `deadline lag (${n} in 60 s)`,
    metric,
    value: ms(pv),
    unit: 'ms',
    baseline: ms(bv),
    ratio: bv > 0 ? round(pv / bv, 1) : null,
    status: 'info',
    ...extra,
  })
  const result: BenchResult = {
    name: 'deadline-lag',
    rows: [
      row('p50', product.p50, same.p50),
      row('p99', product.p99, same.p99, {
        goal: '≤ 1000 ms',
        status: product.n === n && product.p99 <= 1000 ? 'ok' : 'missed',
      }),
      row('max', product.max, same.max),
      {
        bench: `deadline lag (${n} in 60 s)`,
        metric: 'bare pg-boss defaults p50 / p99',
        value: ms(defaults.p50),
        unit: 'ms',
        baseline: ms(defaults.p99),
        status: 'info',
        note: `lower bounds: after ${defaults.censoredAtS} s only ${defaults.fired} of the ${defaults.due} jobs due had run (batchSize 1, polling 2 s)`,
      },
      ...(contended
        ? [
            row('p99 with a CPU competitor', contended.product.p99, contended.bare.p99, {
              goal: '≤ 1000 ms',
              status: contended.product.n === n && contended.product.p99 <= 1000 ? 'ok' : 'missed',
              note: 'a busy-loop process takes one of the cores during the burst',
            }),
            row('max with a CPU competitor', contended.product.max, contended.bare.max),
          ]
        : []),
    ],
    detail: {
      workerSettings: TIMER_WORKER,
      product,
      bareSameSettings: same,
      bareDefaults: defaults,
      contended,
    },
  }
  return result
}

if (isMain(import.meta)) await runAlone((c) => runDeadlineLag(c))
