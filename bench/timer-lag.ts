/**
 * How long after its due time a timer fires on an idle system:
 * 100 first_ecg warnings due at spread-out times over ~60 s, through the product path
 * (pg-boss job → fireTimer → deadline_warning recorded), median and worst.
 *
 *   npx tsx bench/timer-lag.ts
 */
import { isMain, runAlone } from './lib/alone.ts'
import { createCases, FIRST_ECG_WARN_MS, startRuntime, warningLags } from './lib/cases.ts'
import type { Cluster } from './lib/cluster.ts'
import type { BenchResult } from './lib/result.ts'
import { loadAvg, round, sleep, summarize } from './lib/stats.ts'

export async function runTimerLag(cluster: Cluster, opts: { timers?: number; spreadS?: number } = {}) {
  const n = opts.timers ?? 100
  const spreadMs = (opts.spreadS ?? 60) * 1000
  const db = await cluster.database('timerlag')
  const p = await startRuntime(db.url)
  try {
    const loadBefore = loadAvg()
    const first = Date.now() + 5_000
    // Due times spread over the window with an irregular step, so they do not line up with the poll.
    const due = Array.from(
      { length: n },
      (_, i) => first + Math.round((i * spreadMs) / n + ((i * 7919) % 97)),
    )
    const ids = await createCases(
      p.rt,
      due.map((d) => d - FIRST_ECG_WARN_MS),
      5,
    )
    let lags: number[] = []
    const deadline = Math.max(...due) + 30_000
    while (Date.now() < deadline) {
      await sleep(1000)
      lags = await warningLags(p.sql, ids)
      if (lags.length >= n && Date.now() > Math.max(...due)) break
    }
    const s = summarize(lags)
    const result: BenchResult = {
      name: 'timer-lag',
      rows: [
        {
          bench: 'timer lag (idle, 100 timers)',
          metric: 'median / worst',
          value: round(s.p50, 0),
          unit: 'ms',
          goal: `worst ${round(s.max, 0)} ms`,
          status: s.n === n ? 'info' : 'missed',
          note: s.n === n ? undefined : `${n - s.n} timers did not fire`,
        },
      ],
      detail: {
        timers: n,
        fired: s.n,
        spreadS: spreadMs / 1000,
        ...s,
        load: { before: loadBefore, after: loadAvg() },
      },
    }
    return result
  } finally {
    await p.stop()
    await db.drop()
  }
}

if (isMain(import.meta)) await runAlone((c) => runTimerLag(c))
