/**
 * Fire capacity: how many timers a second the product's timer worker fires when a backlog is
 * already due (saturation, not lag), beside bare pg-boss completing no-op jobs with the same
 * worker settings on the same server in the same run. A second, smaller drain runs under the V8
 * CPU profiler with every SQL statement counted; its summary is written to bench/PROFILE.md.
 *
 *   npx tsx bench/fire-capacity.ts      (BENCH_FIRE_TIMERS=3000 default; BENCH_PROFILE=0 skips the profile)
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Job } from 'pg-boss'
import { startBoss } from '../workflows/runtime/boss.ts'
import { TIMER_WORKER } from '../workflows/runtime/workers.ts'
import { ingestSection } from './ingest-profile.ts'
import { isMain, runAlone } from './lib/alone.ts'
import { runChild } from './lib/child.ts'
import type { Cluster } from './lib/cluster.ts'
import type { BenchResult } from './lib/result.ts'
import { loadAvg, round, sleep } from './lib/stats.ts'
import type { FireChildOutput } from './fire-capacity-child.ts'

interface BareRun {
  jobs: number
  completed: number
  seconds: number
  jobsPerSecond: number
}

/** Bare pg-boss: `n` no-op jobs all due now, the timer worker's settings; jobs completed per second. */
async function bare(cluster: Cluster, n: number): Promise<BareRun> {
  const db = await cluster.database('fire_bare', { seed: false })
  const boss = await startBoss(db.url, { supervise: false })
  try {
    const queue = 'bench_fire_bare'
    await boss.createQueue(queue)
    for (let i = 0; i < n; i += 1000)
      await boss.insert(
        queue,
        Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({ data: { i: i + k } })),
      )
    let done = 0
    const t0 = performance.now()
    const id = await boss.work(
      queue,
      {
        batchSize: TIMER_WORKER.batchSize,
        pollingIntervalSeconds: TIMER_WORKER.pollingIntervalSeconds,
        localConcurrency: TIMER_WORKER.localConcurrency,
      },
      (jobs: Job[]) => {
        done += jobs.length
        return Promise.resolve()
      },
    )
    while (done < n && performance.now() - t0 < 300_000) await sleep(20)
    const seconds = (performance.now() - t0) / 1000
    await boss.offWork(queue, { id })
    return { jobs: n, completed: done, seconds: round(seconds, 2), jobsPerSecond: round(done / seconds) }
  } finally {
    await boss.stop({ graceful: false, close: true })
    await db.drop()
  }
}

async function product(cluster: Cluster, n: number, profile: boolean): Promise<FireChildOutput> {
  const db = await cluster.database(profile ? 'fire_profile' : 'fire')
  try {
    return await runChild<FireChildOutput>('fire-capacity-child.ts', { url: db.url, timers: n, profile })
  } finally {
    await db.drop()
  }
}

/** What the numbers say (the same reasoning every run, with this run's figures). */
function reading(p: FireChildOutput, measured: FireChildOutput): string[] {
  const areas = p.areas ?? {}
  const busy = Object.entries(areas)
    .filter(([k]) => !k.startsWith('idle'))
    .reduce((a, [, v]) => a + v, 0)
  const share = (re: RegExp) =>
    round(
      (Object.entries(areas)
        .filter(([k]) => re.test(k))
        .reduce((a, [, v]) => a + v, 0) /
        Math.max(busy, 1)) *
        100,
    )
  const waitingForClient = Object.entries(measured.sessions)
    .filter(([k]) => k.startsWith('xinlian: idle in transaction'))
    .reduce((a, [, v]) => a + v, 0)
  const alertKinds =
    /channel_attempts|push_subscriptions|push_deliveries|alerts|pgboss\.job|users|user_roles|alert_ladders|rota/
  const alertStatements = Object.entries(p.statements)
    .filter(([k]) => alertKinds.test(k))
    .reduce((a, [, v]) => a + v, 0)
  return [
    `- **The Node process is the limit, not Postgres.** ${round(waitingForClient)} % of the product's busy Postgres`,
    `  session samples are \`idle in transaction\` (the server waiting for the client), and Node's event loop`,
    `  is ${Math.round(measured.eventLoopUtilization * 100)} % busy. On a shared 2-core machine a single-threaded process gets a`,
    '  fraction of a core, so throughput ≈ (CPU the process gets) ÷ (Node CPU per fire):',
    `  ${round(measured.nodeCpuMs / Math.max(1, measured.fired), 2)} ms per fire here, against a few µs per job for bare pg-boss.`,
    `- **That CPU is per-statement overhead.** postgres.js (building, parsing) and Node's socket writes take`,
    `  ${share(/postgres\.js|node internals/)} % of the busy samples, garbage collection ${share(/garbage/)} %; the clinical work`,
    `  (workflows/core: fold, rules, fire) ${share(/workflows\/core/)} % and the runtime's own code ${share(/workflows\/runtime/)} %.`,
    `  The cost of a fire is the number of statements it sends: ${round(p.statementsPerFire, 1)}.`,
    `- **Most statements are the alert, not the timer.** A first_ecg warning raises an alert: ${round(alertStatements / Math.max(1, p.fired), 1)}`,
    '  of the statements per fire are the alert ladder (audience, alert row, channel attempts, push',
    '  deliveries, pg-boss jobs for the sends and the later ladder steps). Each is now one statement',
    '  per alert, not one per recipient × channel or device: workflows/runtime/channels/dispatch.ts',
    "  `runStep` stores a step's attempts in one INSERT and its vendor jobs in one `boss.insert`, reads",
    '  the recipients (with their push subscriptions) once per alert;',
    '  workflows/runtime/push/notifier.ts `enqueueAlertPushes` one delivery INSERT and one `boss.insert`.',
    '- **Once per transaction, not per fire** (workflows/runtime/apply-event.ts `fireTimers`): the live',
    '  messages (one `pg_notify` over an array: NOTIFY is delivered on COMMIT either way) and the fired',
    "  timers' case_timers rows (one DELETE).",
    "- **Socket writes** (`writeBuffer`) are the largest single cost in these samples (V8's sampler",
    '  counts wall-clock time, so a write preempted by the backend it woke is charged to it; on-CPU',
    "  sampling with perf puts the kernel at about 15 % of an event POST's Node CPU). postgres.js writes every",
    '  message of 1 KB or more at once. Coalescing a whole tick up to 64 KB (tried as a patch) measured',
    '  slower: Buffer.concat per message and one more event-loop turn per round trip.',
    '  What is left per fire: the system event, the alert row, the audience, the attempts, the',
    "  follow-up timer (its case_timers row and pg-boss job) and the case's projection.",
  ]
}

function profileMarkdown(p: FireChildOutput, measured: FireChildOutput, b: BareRun, load: number): string {
  const areas = Object.entries(p.areas ?? {})
  const busy = areas.filter(([k]) => !k.startsWith('idle')).reduce((a, [, v]) => a + v, 0)
  const lines = [
    '# Profile of a timer fire',
    '',
    'Written by `bench/fire-capacity.ts` (part of `npm run bench`); regenerated on every run.',
    `Run: ${new Date().toISOString()}, 1-min load average ${load}. A backlog of ${p.timers} due`,
    '`first_ecg` warnings drained by the real timer worker (product settings: batchSize',
    `${TIMER_WORKER.batchSize}, polling ${TIMER_WORKER.pollingIntervalSeconds} s, localConcurrency ${TIMER_WORKER.localConcurrency},`,
    `${TIMER_WORKER.parallel} transactions in flight, ${TIMER_WORKER.perTx} fires per transaction) in its own Node process,`,
    'under the V8 sampling profiler (node:inspector, 200 µs), every SQL statement counted through',
    "postgres.js's `debug` hook.",
    '',
    `Saturation (unprofiled run): **${round(measured.firesPerSecond)} fires/s** against bare pg-boss`,
    `${b.jobsPerSecond} no-op jobs/s with the same settings (${round(measured.firesPerSecond / b.jobsPerSecond, 2)}×).`,
    `Profiled run: ${round(p.firesPerSecond)} fires/s, ${round(p.drainSeconds, 1)} s wall, Node CPU ${round(p.nodeCpuMs)} ms`,
    `(${round(p.nodeCpuMs / p.fired, 2)} ms of Node CPU per fire, ${round((p.nodeCpuMs / 1000 / p.drainSeconds) * 100)} % of one core).`,
    '',
    `Node's event loop utilisation during the drain: ${p.eventLoopUtilization} (1 = never waiting for I/O);`,
    `unprofiled: ${measured.eventLoopUtilization}.`,
    '',
    "## What the product's Postgres sessions are doing (pg_stat_activity, sampled every 25 ms, unprofiled run)",
    '',
    'Share of non-idle session samples (`idle in transaction` = the server waits for the Node',
    'client inside an open transaction).',
    '',
    '| application: state / wait event | share |',
    '|---|---|',
    ...Object.entries(measured.sessions).map(([k, v]) => `| ${k} | ${v} % |`),
    '',
    '## Where the Node process spends its time (self time)',
    '',
    '| area | ms | share of busy time | per fire |',
    '|---|---|---|---|',
    ...areas.map(
      ([k, v]) =>
        `| ${k} | ${round(v)} | ${k.startsWith('idle') ? '—' : `${round((v / busy) * 100)} %`} | ${round(v / p.fired, 3)} ms |`,
    ),
    '',
    '## SQL statements during the drain',
    '',
    `${round(p.statementsPerFire, 2)} statements per fire in all (pipelined: several go out in one`,
    'round trip; the pg-boss fetch/complete statements are shared by a batch).',
    '',
    '| statement (verb + first table) | count | per fire |',
    '|---|---|---|',
    ...Object.entries(p.statements).map(([k, v]) => `| \`${k}\` | ${v} | ${round(v / p.fired, 2)} |`),
    '',
    '## Reading',
    '',
    ...reading(p, measured),
    '',
    '## Top functions by self time',
    '',
    '| function | where | self ms |',
    '|---|---|---|',
    ...(p.top ?? []).map((f) => `| \`${f.fn}\` | ${f.where} | ${f.selfMs} |`),
    '',
  ]
  return lines.join('\n')
}

export async function runFireCapacity(cluster: Cluster, opts: { timers?: number; profile?: boolean } = {}) {
  const n = opts.timers ?? Number(process.env.BENCH_FIRE_TIMERS ?? 3000)
  const doProfile = opts.profile ?? process.env.BENCH_PROFILE !== '0'
  const load = loadAvg()
  const measured = await product(cluster, n, false)
  const b = await bare(cluster, n)
  let profiled: FireChildOutput | null = null
  if (doProfile) {
    profiled = await product(cluster, Math.min(n, 2000), true)
    // The file also holds the event POST's profile (bench/ingest.ts): keep it.
    const file = path.resolve(import.meta.dirname, 'PROFILE.md')
    const ingest = fs.existsSync(file) ? ingestSection(fs.readFileSync(file, 'utf8')) : ''
    const fire = profileMarkdown(profiled, measured, b, load)
    fs.writeFileSync(file, ingest ? `${fire.trimEnd()}\n\n${ingest}\n` : fire)
  }
  const bench = `fire capacity (${n} due)`
  const result: BenchResult = {
    name: 'fire-capacity',
    rows: [
      {
        bench,
        metric: 'saturation throughput',
        value: round(measured.firesPerSecond),
        unit: 'fires/s',
        baseline: b.jobsPerSecond,
        ratio: round(measured.firesPerSecond / b.jobsPerSecond, 2),
        status: 'info',
        note: 'baseline: bare pg-boss completing no-op jobs with the same worker settings',
      },
      {
        bench,
        metric: 'SQL statements per fire',
        value: profiled ? round(profiled.statementsPerFire, 1) : null,
        unit: '',
        status: 'info',
        note: 'counted in the profiled drain (postgres.js debug hook)',
      },
      {
        bench,
        metric: 'Node CPU per fire',
        value: round(measured.nodeCpuMs / Math.max(1, measured.fired), 2),
        unit: 'ms',
        status: 'info',
      },
    ],
    detail: { load, workerSettings: TIMER_WORKER, product: measured, bare: b, profiled },
  }
  return result
}

if (isMain(import.meta)) await runAlone((c) => runFireCapacity(c))
