/**
 * 5. Memory: RSS of the server process after 10,000 active cases (500 started over HTTP, the
 * rest SQL copies of them), then
 * lists of active cases read repeatedly; a second round of the same traffic must not grow it.
 */
import { fork } from 'node:child_process'
import path from 'node:path'
import { connect } from '../workflows/runtime/platform/connect.ts'
import { isMain, runAlone } from './lib/alone.ts'
import { LANTIAN } from './lib/cases.ts'
import type { Cluster } from './lib/cluster.ts'
import type { BenchResult } from './lib/result.ts'
import { createCasesOverHttp, login, postJson } from './lib/server.ts'
import { loadAvg, round } from './lib/stats.ts'

interface Mem {
  rss: number
  heapUsed: number
  external: number
}

const MB = 2 ** 20
/**
 * Cases started through the API; the rest are SQL copies of them (same rows, fresh ids), because
 * starting 10,000 cases over HTTP takes ~2 minutes on this machine and the server's memory
 * depends on the cases it serves, not on how they were made.
 */
const HTTP_CASES = 500

async function cloneCases(url: string, copies: number): Promise<void> {
  const sql = connect(url, 1)
  await sql.begin(async (tx) => {
    await tx`create temp table clone_map on commit drop as
               select c.id as old_id, gen_random_uuid() as new_id
                 from cases c cross join generate_series(1, ${copies})`
    await tx`insert into cases (id, network_id, facility_id, patient, created_by, created_at, status, phase,
                                updated_at, facility_ids, heading_to, heading_known)
             select m.new_id, c.network_id, c.facility_id, c.patient, c.created_by, c.created_at, c.status,
                    c.phase, c.updated_at, c.facility_ids, c.heading_to, c.heading_known
               from clone_map m join cases c on c.id = m.old_id`
    await tx`insert into case_events (id, case_id, type, at, recorded_at, by, data)
             select gen_random_uuid(), m.new_id, e.type, e.at, e.recorded_at, e.by, e.data
               from clone_map m join case_events e on e.case_id = m.old_id order by e.seq`
  })
  await sql`vacuum analyze cases`
  await sql.end()
}

export async function runMemory(cluster: Cluster, opts: { cases?: number } = {}) {
  const n = opts.cases ?? Number(process.env.BENCH_CASES ?? 10_000)
  const db = await cluster.database('memory')
  const child = fork(path.resolve(import.meta.dirname, 'server-child.ts'), [], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: { ...process.env, BENCH_DB_URL: db.url },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const base = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { base: string }) => resolve(m.base))
    child.once('exit', (code) => reject(new Error(`server child exited with ${code}`)))
  })
  const mem = () =>
    new Promise<Mem>((resolve) => {
      child.once('message', (m: { mem: Mem }) => resolve(m.mem))
      child.send('mem')
    })
  try {
    const samples: { label: string; rssMb: number; heapMb: number; load: number }[] = []
    const sample = async (label: string) => {
      const m = await mem()
      samples.push({ label, rssMb: round(m.rss / MB), heapMb: round(m.heapUsed / MB), load: loadAvg() })
    }
    await sample('started')
    const lantian = await login(base, 'lantian')
    const qa = await login(base, 'qa')
    const t0 = performance.now()
    const viaHttp = Math.min(n, HTTP_CASES)
    const ids = await createCasesOverHttp(base, lantian, LANTIAN, viaHttp, { concurrency: 16 })
    if (n > viaHttp) await cloneCases(db.url, Math.ceil(n / viaHttp) - 1)
    const createSeconds = round((performance.now() - t0) / 1000)
    await sample(`${n} cases created`)
    const traffic = async () => {
      for (let i = 0; i < 10; i++) {
        for (const token of [lantian, qa]) {
          const r = await fetch(`${base}/api/cases?status=active&limit=500`, {
            headers: { authorization: `Bearer ${token}` },
          })
          if (r.status !== 200) throw new Error(`list: ${r.status}`)
          await r.arrayBuffer()
        }
      }
      let k = 0
      const lane = async () => {
        while (k < 1000) {
          const id = ids[k++ % ids.length]!
          const r = await postJson(base, `/api/cases/${id}/events`, lantian, {
            id: crypto.randomUUID(),
            type: 'note',
            at: new Date().toISOString(),
            facilityId: LANTIAN,
            text: 'bench note',
          })
          if (r.status !== 201) throw new Error(`note: ${r.status}`)
        }
      }
      await Promise.all(Array.from({ length: 8 }, lane))
    }
    await traffic()
    await sample('round 1: 20 lists of 500 + 1000 events')
    await traffic()
    await sample('round 2: same again')
    await traffic()
    await sample('round 3: same again')
    const [r1, r2, r3] = samples.slice(-3)
    const growth = r3!.rssMb - r1!.rssMb
    const result: BenchResult = {
      name: 'memory',
      rows: [
        {
          bench: `memory (${n} active cases)`,
          metric: 'server RSS',
          value: r1!.rssMb,
          unit: 'MB',
          baseline: samples[0]!.rssMb,
          ratio: round(r1!.rssMb / samples[0]!.rssMb, 2),
          status: 'info',
          note: 'baseline = the same server just started',
        },
        {
          bench: `memory (${n} active cases)`,
          metric: 'RSS growth, rounds 1 → 3',
          value: round(growth),
          unit: 'MB',
          goal: 'no unbounded growth',
          status: r3!.heapMb - r1!.heapMb < 20 ? 'ok' : 'missed',
          note: `heap after GC ${r1!.heapMb} → ${r2!.heapMb} → ${r3!.heapMb} MB`,
        },
      ],
      detail: { cases: n, viaHttp, clonedInSql: n - viaHttp, createSeconds, samples },
    }
    return result
  } finally {
    child.send('stop')
    await new Promise((r) => child.once('exit', r))
    await db.drop()
  }
}

if (isMain(import.meta)) await runAlone((c) => runMemory(c))
