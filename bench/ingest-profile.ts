/**
 * The ingest profile (bench/ingest-profile-child.ts) as bench rows and as the "Profile of an event
 * POST" section of bench/PROFILE.md, kept between its markers so the rest of the file (the timer
 * fire profile, written by bench/fire-capacity.ts) stays as it is.
 */
import fs from 'node:fs'
import path from 'node:path'
import { runChild } from './lib/child.ts'
import type { Cluster } from './lib/cluster.ts'
import type { Row } from './lib/result.ts'
import { loadAvg, round } from './lib/stats.ts'
import type { IngestProfileOutput } from './ingest-profile-child.ts'

const BEGIN = '<!-- ingest profile: written by bench/ingest.ts -->'
const END = '<!-- /ingest profile -->'

/** The event POST's section of a PROFILE.md text ('' when it has none), for writers of the rest of the file. */
export function ingestSection(text: string): string {
  const a = text.indexOf(BEGIN)
  const b = text.indexOf(END)
  return a >= 0 && b > a ? text.slice(a, b + END.length) : ''
}

export async function profileIngest(
  cluster: Cluster,
  opts: { cases: number; connections: number; rate?: number; seconds?: number },
): Promise<{ out: IngestProfileOutput; load: number }> {
  const db = await cluster.database('ingest_profile')
  try {
    const load = loadAvg()
    const out = await runChild<IngestProfileOutput>('ingest-profile-child.ts', {
      url: db.url,
      cases: opts.cases,
      connections: opts.connections,
      rate: opts.rate ?? 200,
      seconds: opts.seconds ?? 8,
    })
    return { out, load }
  } finally {
    await db.drop()
  }
}

export function profileRows(p: IngestProfileOutput): Row[] {
  return [
    {
      bench: 'ingest',
      metric: 'SQL statements per event POST',
      value: p.statementsPerPost,
      unit: '',
      baseline: 4,
      ratio: round(p.statementsPerPost / 4, 1),
      status: 'info',
      note: 'baseline: the minimal endpoint (begin, lock, insert, commit)',
    },
    {
      bench: 'ingest',
      metric: 'round trips per event POST',
      value: p.roundTripsPerPost,
      unit: '',
      status: 'info',
    },
    {
      bench: 'ingest',
      metric: 'Node CPU per event POST',
      value: p.nodeCpuMsPerPost,
      unit: 'ms',
      baseline: p.minimal.nodeCpuMsPerRequest,
      ratio: round(p.nodeCpuMsPerPost / Math.max(0.01, p.minimal.nodeCpuMsPerRequest), 1),
      status: 'info',
      note: `at ${p.rate} req/s; baseline: the minimal endpoint under the same load in the same process`,
    },
  ]
}

export function writeProfile(
  p: IngestProfileOutput,
  load: number,
  file = path.resolve(import.meta.dirname, 'PROFILE.md'),
) {
  const areas = p.profiled.areas
  const busy = Object.entries(areas)
    .filter(([k]) => !k.startsWith('idle'))
    .reduce((a, [, v]) => a + v, 0)
  const n = Math.max(1, p.profiled.posts)
  const lines = [
    BEGIN,
    '# Profile of an event POST',
    '',
    `Written by \`bench/ingest.ts\` (\`npm run bench -- ingest\`); regenerated on every run.`,
    `Run: ${new Date().toISOString()}, 1-min load average ${load}. The real app and its workers in one`,
    `Node process (bench/ingest-profile-child.ts), ${p.rate} POSTs/s of \`note\` / \`ecg_acquired\` from`,
    'a separate load process (bench/ingest-load.ts). Every SQL statement counted through',
    "postgres.js's `debug` hook; statements handed to one connection in one turn of the event loop",
    'count as one round trip. A second pass runs under the V8 sampling profiler (node:inspector,',
    '200 µs) without the hook (postgres.js captures a stack per query while it is set).',
    '',
    `- **${p.statementsPerPost} SQL statements and ${p.roundTripsPerPost} round trips per POST** ` +
      '(the minimal endpoint of bench/lib/minimal-server.ts: 4 and 4).',
    `- **Node CPU ${p.nodeCpuMsPerPost} ms per POST** against ${p.minimal.nodeCpuMsPerRequest} ms for the ` +
      'minimal endpoint under the same load in the same process ' +
      `(${round(p.nodeCpuMsPerPost / Math.max(0.01, p.minimal.nodeCpuMsPerRequest), 1)}×); ` +
      `profiled pass ${p.profiled.nodeCpuMsPerPost} ms.`,
    `- Load at ${p.rate}/s: ${round(p.load.requestsPerSec)} req/s answered, p50 ${p.load.p50} ms, p99 ${p.load.p99} ms.`,
    '',
    '## SQL statements per POST (verb + first table)',
    '',
    '| statement | count | per POST |',
    '|---|---|---|',
    ...Object.entries(p.statements).map(
      ([k, v]) => `| \`${k}\` | ${v} | ${round(v / Math.max(1, p.posts), 2)} |`,
    ),
    '',
    '## Where the Node process spends its time (self time, profiled pass)',
    '',
    "V8's sampler takes wall-clock samples of the main thread: time the thread spends inside a",
    'system call, or preempted there by the process it just woke, is charged to that call',
    "(`writeBuffer`, the socket write). On-CPU sampling (`perf record -p`, session 8's closing note)",
    "put the kernel at about 15 % of the server's CPU at saturation.",
    '',
    '| area | ms | share of busy time | per POST |',
    '|---|---|---|---|',
    ...Object.entries(areas).map(
      ([k, v]) =>
        `| ${k} | ${v} | ${k.startsWith('idle') ? '—' : `${round((v / busy) * 100, 1)} %`} | ${round(v / n, 3)} ms |`,
    ),
    '',
    '## Top functions by self time (profiled pass)',
    '',
    '| function | where | ms |',
    '|---|---|---|',
    ...p.profiled.top.slice(0, 25).map((f) => `| ${f.fn} | ${f.where} | ${f.selfMs} |`),
    END,
  ]
  const section = lines.join('\n')
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''
  const a = text.indexOf(BEGIN)
  const b = text.indexOf(END)
  const next =
    a >= 0 && b > a
      ? text.slice(0, a) + section + text.slice(b + END.length)
      : text.trimEnd() + (text ? '\n\n' : '') + section + '\n'
  fs.writeFileSync(file, next)
}
