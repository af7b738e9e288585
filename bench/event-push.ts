/**
 * 2. Event → push: from an `ecg_transmitted` request being answered to the consult push
 * arriving at a loopback fake push service, with 200 active cases.
 *
 * Push delivery is being built on another branch (`push`: a `push-send` queue, subscriptions
 * at `POST /api/push/subscriptions`). Until it lands this module measures what exists: the
 * same event to the consult *alert* reaching the on-call cardiologist's SSE stream (alert row
 * + NOTIFY + LISTEN + SSE), and marks push as pending. Baselines in the same run: a bare
 * postgres.js transaction (INSERT + pg_notify) to a LISTEN connection; for push, a bare
 * `web-push.sendNotification` to the same fake service.
 */
import webpush from 'web-push'
import { connect } from '../workflows/runtime/platform/connect.ts'
import { isMain, runAlone } from './lib/alone.ts'
import { LANTIAN } from './lib/cases.ts'
import type { Cluster } from './lib/cluster.ts'
import { startFakePush } from './lib/fake-push.ts'
import type { BenchResult, Row } from './lib/result.ts'
import { createCasesOverHttp, postJson, startServer } from './lib/server.ts'
import { openSse } from './lib/sse.ts'
import { loadAvg, round, sleep, summarize, type Summary } from './lib/stats.ts'

const ACTIVE = 200
const IN_FLIGHT = 10
const ROUNDS = 2

/** Bare NOTIFY round trip: tx (insert + pg_notify) → LISTEN callback, `n` times, IN_FLIGHT at a time. */
async function notifyBaseline(url: string, n: number): Promise<Summary> {
  const sql = connect(url)
  const listener = connect(url, 1)
  await sql`create table if not exists bench_alerts (id uuid primary key, body jsonb not null)`
  const waiting = new Map<string, (at: number) => void>()
  await listener.listen('bench_notify', (id) => waiting.get(id)?.(performance.now()))
  const lat: number[] = []
  let next = 0
  const lane = async () => {
    while (next++ < n) {
      const id = crypto.randomUUID()
      const t0 = performance.now()
      const got = new Promise<number>((r) => waiting.set(id, r))
      await sql.begin(async (tx) => {
        await tx`insert into bench_alerts (id, body) values (${id}, ${{ caseId: id, template: 'consult' } as never})`
        await tx`select pg_notify('bench_notify', ${id})`
      })
      lat.push((await got) - t0)
      waiting.delete(id)
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane))
  await listener.end()
  await sql.end()
  return summarize(lat)
}

export async function runEventPush(cluster: Cluster) {
  const db = await cluster.database('push')
  const arrivals = new Map<string, number>()
  const pushArrivals = new Map<string, number>()
  const fake = await startFakePush((plain, at) => {
    const m = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi
    for (const id of plain.match(m) ?? []) if (!pushArrivals.has(id)) pushArrivals.set(id, at)
  })
  const srv = await startServer(db.url, { env: { PUSH_ALLOWED_HOSTS: '127.0.0.1:*' } })
  try {
    const lantian = await srv.login('lantian')
    const chen = await srv.login('dr.chen')
    const sub = await postJson(srv.base, '/api/push/subscriptions', chen, fake.subscription('chen'))
    const pushLanded = sub.status >= 200 && sub.status < 300
    const sse = await openSse(srv.base, chen, (a) => {
      if (a.event === 'alert' && a.data?.template === 'consult' && !arrivals.has(a.data.caseId))
        arrivals.set(a.data.caseId, a.at)
    })
    const caseIds = await createCasesOverHttp(srv.base, lantian, LANTIAN, ACTIVE * ROUNDS, { concurrency: 8 })
    let next = 0
    const ecg = async () => {
      while (next < caseIds.length) {
        const id = caseIds[next++]!
        const r = await postJson(srv.base, `/api/cases/${id}/events`, lantian, {
          id: crypto.randomUUID(),
          type: 'ecg_acquired',
          at: new Date().toISOString(),
          facilityId: LANTIAN,
        })
        if (r.status !== 201) throw new Error(`ecg_acquired: ${r.status}`)
      }
    }
    await Promise.all(Array.from({ length: IN_FLIGHT }, ecg))
    const fromRequest: number[] = []
    const fromResponse: number[] = []
    const pushFromResponse: number[] = []
    const loads: number[] = []
    for (let round_ = 0; round_ < ROUNDS; round_++) {
      loads.push(loadAvg())
      const batch = caseIds.slice(round_ * ACTIVE, (round_ + 1) * ACTIVE)
      const sent = new Map<string, { req: number; res: number }>()
      let i = 0
      const lane = async () => {
        while (i < batch.length) {
          const id = batch[i++]!
          const req = performance.now()
          const r = await postJson(srv.base, `/api/cases/${id}/events`, lantian, {
            id: crypto.randomUUID(),
            type: 'ecg_transmitted',
            at: new Date().toISOString(),
            facilityId: LANTIAN,
            via: 'realtime',
          })
          if (r.status !== 201) throw new Error(`ecg_transmitted: ${r.status} ${JSON.stringify(r.json)}`)
          sent.set(id, { req, res: performance.now() })
        }
      }
      await Promise.all(Array.from({ length: IN_FLIGHT }, lane))
      const until = performance.now() + 10_000
      while (performance.now() < until && [...sent.keys()].some((id) => !arrivals.has(id))) await sleep(50)
      if (pushLanded)
        while (performance.now() < until && [...sent.keys()].some((id) => !pushArrivals.has(id)))
          await sleep(50)
      for (const [id, t] of sent) {
        const a = arrivals.get(id)
        if (a !== undefined) {
          fromRequest.push(a - t.req)
          fromResponse.push(a - t.res)
        }
        const p = pushArrivals.get(id)
        if (p !== undefined) pushFromResponse.push(p - t.res)
      }
    }
    sse.close()
    const sseReq = summarize(fromRequest)
    const sseRes = summarize(fromResponse)
    const base = await notifyBaseline(db.url, ACTIVE)
    let pushBase: Summary | null = null
    if (pushLanded) {
      const vapid = webpush.generateVAPIDKeys()
      const lat: number[] = []
      for (let k = 0; k < 100; k++) {
        const id = crypto.randomUUID()
        const t0 = performance.now()
        await webpush.sendNotification(fake.subscription('base'), JSON.stringify({ caseId: id }), {
          vapidDetails: { subject: 'mailto:bench@xinlian.invalid', ...vapid },
          TTL: 60,
        })
        while (!pushArrivals.has(id)) await sleep(1)
        lat.push(pushArrivals.get(id)! - t0)
      }
      pushBase = summarize(lat)
    }
    const pushRes = summarize(pushFromResponse)
    const bench = `event → push (${ACTIVE} active)`
    const rows: Row[] = pushLanded
      ? [
          {
            bench,
            metric: 'push p50',
            value: round(pushRes.p50),
            unit: 'ms',
            baseline: round(pushBase!.p50),
            ratio: round(pushRes.p50 / pushBase!.p50),
            status: 'info',
          },
          {
            bench,
            metric: 'push p99',
            value: round(pushRes.p99),
            unit: 'ms',
            baseline: round(pushBase!.p99),
            ratio: round(pushRes.p99 / pushBase!.p99),
            goal: '≤ 250 ms',
            status: pushRes.n === ACTIVE * ROUNDS && pushRes.p99 <= 250 ? 'ok' : 'missed',
          },
        ]
      : [
          {
            bench,
            metric: 'push p99',
            value: null,
            unit: '',
            goal: '≤ 250 ms',
            status: 'pending',
            note: 'push delivery not on main yet (branch push)',
          },
        ]
    rows.push(
      {
        bench: `event → SSE alert (${ACTIVE} active)`,
        metric: 'p50 (from request sent)',
        value: round(sseReq.p50),
        unit: 'ms',
        baseline: round(base.p50),
        ratio: round(sseReq.p50 / base.p50),
        status: 'info',
      },
      {
        bench: `event → SSE alert (${ACTIVE} active)`,
        metric: 'p99 (from request sent)',
        value: round(sseReq.p99),
        unit: 'ms',
        baseline: round(base.p99),
        ratio: round(sseReq.p99 / base.p99),
        status: sseReq.n === ACTIVE * ROUNDS ? 'info' : 'missed',
      },
    )
    const result: BenchResult = {
      name: 'event-push',
      rows,
      detail: {
        activeCases: ACTIVE * ROUNDS,
        inFlight: IN_FLIGHT,
        pushLanded,
        subscribeStatus: sub.status,
        sseFromRequest: sseReq,
        sseFromResponse: sseRes,
        notifyBaseline: base,
        push: pushLanded ? pushRes : null,
        pushBaseline: pushBase,
        load: loads,
      },
    }
    return result
  } finally {
    await srv.stop()
    await fake.stop()
    await db.drop()
  }
}

if (isMain(import.meta)) await runAlone((c) => runEventPush(c))
