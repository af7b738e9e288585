import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { connect } from '../../workflows/runtime/platform/connect.ts'
import { startServerChild, type ServerChild } from '../server-child.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

let server: ServerChild | undefined
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xinlian-dbloss-'))
fs.chmodSync(dir, 0o755)
afterAll(async () => {
  if (server && server.child.exitCode === null) {
    server.child.kill('SIGTERM')
    await server.exited
  }
  fs.rmSync(dir, { recursive: true, force: true })
})

/** Line 1 of postmaster.pid is the postmaster's pid, line 4 its port. */
const postmaster = () => {
  const lines = fs.readFileSync(path.join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')
  return { pid: Number(lines[0]), port: Number(lines[3]) }
}

/**
 * `npm start` on the default embedded database: kill -9 the postmaster while 20 clients post
 * cases (each a transaction). The API must stay up answering 503 `unavailable`, the supervisor
 * must restart PostgreSQL and everything must work again with no person acting — including
 * pg-boss timers armed after the recovery.
 */
it('survives the embedded database being killed under traffic and recovers by itself', async () => {
  server = await startServerChild({ XINLIAN_DATA_DIR: dir, XINLIAN_DEMO: '1' })
  const { base } = server
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'lantian', password: 'demo1234' }),
  })
  expect(login.status).toBe(200)
  const { token } = (await login.json()) as { token: string }
  const postCase = async (fmc = new Date()) => {
    const id = crypto.randomUUID()
    try {
      const r = await fetch(`${base}/api/cases`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          id,
          facilityId: demoId('facility:lantian'),
          patient: { sex: 'male', age: 60 },
          firstMedicalContactAt: fmc.toISOString(),
        }),
      })
      const body = (await r.json().catch(() => ({}))) as { error?: { code?: string } }
      return { id, status: r.status, code: body.error?.code }
    } catch {
      return { id, status: 0, code: 'connection' } // the API process itself is gone
    }
  }

  const statuses: { at: number; status: number; code: string | undefined }[] = []
  let running = true
  const clients = Array.from({ length: 20 }, async () => {
    while (running) {
      const r = await postCase()
      statuses.push({ at: Date.now(), status: r.status, code: r.code })
      if (r.status !== 201) await sleep(50)
    }
  })
  while (statuses.filter((s) => s.status === 201).length < 40) await sleep(20)

  const killed = postmaster()
  const killedAt = Date.now()
  process.kill(killed.pid, 'SIGKILL')

  // Wait (bounded by the test timeout, not asserted on time) for a 201 after a 503.
  let healthyAt = 0
  while (!healthyAt) {
    await sleep(100)
    const after = statuses.filter((s) => s.at > killedAt)
    const firstOutage = after.findIndex((s) => s.status === 503)
    if (firstOutage >= 0 && after.slice(firstOutage).some((s) => s.status === 201))
      healthyAt = after.slice(firstOutage).find((s) => s.status === 201)?.at ?? 0
    expect(server.child.exitCode).toBeNull()
  }
  // Keep the traffic on a little after recovery, then stop the clients.
  await sleep(1_000)
  running = false
  await Promise.all(clients)

  const after = statuses.filter((s) => s.at > killedAt)
  const failures = after.filter((s) => s.status !== 201 && s.status !== 503)
  expect(failures).toEqual([]) // never a 500, never a dropped connection: the process stayed up
  expect(after.filter((s) => s.status === 503).every((s) => s.code === 'unavailable')).toBe(true)
  expect(server.child.exitCode).toBeNull()
  expect(postmaster().pid).not.toBe(killed.pid) // a new postmaster, started by the supervisor
  expect(server.stderr()).not.toContain("reading 'write'")
  const health = await fetch(`${base}/api/health`)
  expect(health.status).toBe(200)
  console.log(
    `database killed under traffic: ${(healthyAt - killedAt) / 1000} s to healthy; ` +
      `${after.filter((s) => s.status === 503).length} × 503, ${after.filter((s) => s.status === 201).length} × 201 after the kill`,
  )

  // pg-boss works after the recovery: a first-ECG warning armed now (FMC back-dated to 7 min
  // minus 2 s) is fired by the same process's timer worker.
  const late = await postCase(new Date(Date.now() - 7 * 60_000 + 2_000))
  expect(late.status).toBe(201)
  const db = connect(`postgres://postgres:xinlian-local@127.0.0.1:${postmaster().port}/xinlian`, 1)
  try {
    let fired = 0
    for (let i = 0; i < 120 && !fired; i++) {
      await sleep(250)
      const [row] = await db<{ n: number }[]>`
        select count(*)::int as n from case_events where case_id = ${late.id} and type = 'deadline_warning'`
      fired = row?.n ?? 0
    }
    expect(fired).toBe(1)
  } finally {
    await db.end()
  }
}, 180_000)
