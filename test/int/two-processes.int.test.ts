/**
 * Scale-out: two `npm start` processes on one database (stateless Node behind a load balancer,
 * PostgreSQL the one stateful part). Timers fire exactly once, a live update committed through one
 * process reaches a listener on the other, the login throttle is shared, and a network change made
 * through one process reaches the others' caches by LISTEN/NOTIFY.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { readSse } from '../../bench/lib/sse-reader.ts'
import { demoId } from '../../fixtures/demo-network.ts'
import { freePort } from '../../workflows/runtime/platform/embedded.ts'
import { testEnv, type TestEnv } from '../harness.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const ROOT = path.resolve(import.meta.dirname, '../..')
const LANTIAN = demoId('facility:lantian')

interface Server {
  child: ChildProcess
  base: string
}

let t: TestEnv
const servers: Server[] = []

async function startServer(): Promise<Server> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', 'api/server.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: t.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      XINLIAN_DEMO: '0',
      LOG_LEVEL: 'warn',
      XINLIAN_SECRET_KEY: 'b2'.repeat(32),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start')), 60_000)
    child.stdout.on('data', (b: Buffer) => {
      if (!b.toString().includes('is running at')) return
      clearTimeout(timer)
      resolve()
    })
    child.on('exit', (code) => reject(new Error(`server exited ${code}`)))
  })
  return { child, base: `http://127.0.0.1:${port}` }
}

beforeAll(async () => {
  // This process only records and reads; the timer workers run in the two servers.
  t = await testEnv({ workers: false })
  servers.push(await startServer(), await startServer())
}, 150_000)
afterAll(async () => {
  for (const s of servers) {
    s.child.kill('SIGTERM')
    await new Promise((r) => s.child.once('exit', r))
  }
  await t.close()
})

async function tokenAt(s: Server, username: string): Promise<string> {
  const r = await fetch(`${s.base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'demo1234' }),
  })
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status}`)
  return ((await r.json()) as { token: string }).token
}

const post = (s: Server, p: string, token: string, body: unknown, method = 'POST') =>
  fetch(`${s.base}${p}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  })

it('deadline timers due while both processes run fire exactly once', async () => {
  const [a, b] = servers as [Server, Server]
  const tokens = [await tokenAt(a, 'lantian'), await tokenAt(b, 'lantian')]
  const cases: string[] = []
  // The first-ECG warning is due 7 min after first contact: back-date contact so it is due in ~5–15 s.
  for (let i = 0; i < 12; i++) {
    const r = await post(i % 2 ? b : a, '/api/cases', tokens[i % 2]!, {
      facilityId: LANTIAN,
      patient: { sex: 'male', age: 60 + i },
      firstMedicalContactAt: new Date(Date.now() - 7 * 60_000 + 5_000 + i * 800).toISOString(),
    })
    expect(r.status).toBe(201)
    cases.push(((await r.json()) as { id: string }).id)
  }
  // Wait until every warning's job is finished (no retry pending), then count.
  for (let i = 0; i < 240; i++) {
    const [open] = await t.sql<{ n: number }[]>`
      select count(*)::int as n from case_timers ct
        left join pgboss.job j on j.id::text = ct.job_id
       where ct.case_id = any(${cases}) and ct.key = 'first_ecg:warn'
         and (j.id is null or j.state not in ('completed', 'cancelled', 'failed'))`
    const [fired] = await t.sql<{ n: number }[]>`
      select count(distinct case_id)::int as n from case_events
       where case_id = any(${cases}) and type = 'deadline_warning'`
    if (open!.n === 0 && fired!.n === cases.length) break
    await sleep(500)
  }
  const counts = await t.sql<{ caseId: string; n: number }[]>`
    select c as "caseId", (select count(*)::int from case_events e
                            where e.case_id = c and e.type = 'deadline_warning' and e.data->>'rule' = 'first_ecg') as n
      from unnest(${cases}::uuid[]) c`
  const twice = counts.filter((c) => c.n > 1).length
  console.log(`two processes: ${cases.length} first-ECG warnings due, fired twice: ${twice}`)
  expect(counts.map((c) => c.n)).toEqual(cases.map(() => 1))
}, 180_000)

it('a live update committed through one process reaches a listener on the other', async () => {
  const [a, b] = servers as [Server, Server]
  const ac = new AbortController()
  const res = await fetch(`${a.base}/api/stream`, {
    headers: { authorization: `Bearer ${await tokenAt(a, 'dr.chen')}` },
    signal: ac.signal,
  })
  expect(res.status).toBe(200)
  const seen: { event: string; data: { caseId?: string } }[] = []
  readSse(res.body!, (e) => seen.push(e))
  try {
    for (let i = 0; i < 40 && !seen.some((e) => e.event === 'hello'); i++) await sleep(250)
    const r = await post(b, '/api/cases', await tokenAt(b, 'lantian'), {
      facilityId: LANTIAN,
      patient: { sex: 'female', age: 66 },
      firstMedicalContactAt: new Date().toISOString(),
    })
    expect(r.status).toBe(201)
    const { id } = (await r.json()) as { id: string }
    for (let i = 0; i < 60 && !seen.some((e) => e.data?.caseId === id); i++) await sleep(250)
    expect(seen.some((e) => e.data?.caseId === id)).toBe(true)
  } finally {
    ac.abort()
  }
}, 60_000)

it('the login throttle is shared: failures through one process block the address at the other', async () => {
  const [a, b] = servers as [Server, Server]
  const limit = 30 // DEFAULT_LIMITS.perAddress (api/http/login-throttle.ts)
  // The earlier failures of a spray from this address (scrypt makes each real one slow), then one real.
  await t.sql`insert into login_failures (address, username)
              select '127.0.0.1', 'spray' || g from generate_series(1, ${limit - 1}) g`
  const fail = await fetch(`${a.base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'spray-last', password: 'x' }),
  })
  expect(fail.status).toBe(401)
  const blocked = await fetch(`${b.base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'someone-else', password: 'x' }),
  })
  expect(blocked.status).toBe(429)
  await t.sql`delete from login_failures`
}, 60_000)

it('a network change through one process drops every other process’s cached copy (LISTEN/NOTIFY)', async () => {
  const [a] = servers as [Server, Server]
  const cache = t.deps.rt.networks // this test process is a third process on the database
  const networkId = demoId('network:anxi')
  await cache.get(t.sql, networkId)
  expect(cache.cached(networkId)).toBe(true)
  const admin = await tokenAt(a, 'admin')
  const started = performance.now()
  const r = await post(a, `/api/admin/facilities/${LANTIAN}`, admin, { address: '蓝田镇 1 号' }, 'PATCH')
  expect(r.status).toBe(200)
  for (let i = 0; i < 100 && cache.cached(networkId); i++) await sleep(50)
  const ms = Math.round(performance.now() - started)
  console.log(`network change seen by another process after ≤ ${ms} ms (request + notification)`)
  expect(cache.cached(networkId)).toBe(false)
  const info = await cache.get(t.sql, networkId)
  expect(info.facilities.some((f) => f.id === LANTIAN)).toBe(true)
}, 60_000)
