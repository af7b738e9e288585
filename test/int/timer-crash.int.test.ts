import { afterAll, beforeAll, expect, it } from 'vitest'
import { addMinutes, differenceInMilliseconds } from 'date-fns'
import { demoId } from '../../fixtures/demo-network.ts'
import { testEnv, type TestEnv } from '../harness.ts'
import { startServerChild } from '../server-child.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
// first_ecg warns 7 min after first medical contact (workflows/core/rules.ts).
const WARN_AFTER_MIN = 7

let t: TestEnv
beforeAll(async () => {
  t = await testEnv({ workers: false }) // only the server children fire timers
})
afterAll(async () => t.close())

/**
 * 30 first-ECG warnings due within ±2 s of a kill -9 of the server: those its worker had fetched
 * are stuck `active` in pg-boss. After a restart every one must fire exactly once, and soon —
 * not after the deadline queue's expiry. The worst lateness (fired − due) is reported.
 */
it('timers in flight at a kill -9 fire exactly once, within seconds of the restart', async () => {
  const token = await t.login('lantian')
  const first = await startServerChild({ DATABASE_URL: t.url, XINLIAN_DEMO: '0' })
  const killAt = Date.now() + 6_000
  const cases: { id: string; due: Date }[] = []
  for (let i = 0; i < 30; i++) {
    const due = new Date(killAt - 2_000 + Math.round((4_000 * i) / 29))
    const id = crypto.randomUUID()
    const r = await t.call('POST', '/api/cases', {
      token,
      body: {
        id,
        facilityId: demoId('facility:lantian'),
        patient: { sex: 'male', age: 64 },
        firstMedicalContactAt: addMinutes(due, -WARN_AFTER_MIN).toISOString(),
      },
    })
    expect(r.status).toBe(201)
    cases.push({ id, due })
  }
  // Hold the case rows locked across the due times, so the worker's firing transactions wait:
  // every job is then fetched (`active`) but unfinished when the server is killed.
  let release = () => {}
  const held = new Promise<void>((r) => (release = r))
  let locked = () => {}
  const isLocked = new Promise<void>((r) => (locked = r))
  const holder = t.sql.begin(async (tx) => {
    await tx`select id from cases where id = any(${cases.map((c) => c.id)}::uuid[]) for update`
    locked()
    await held
  })
  await isLocked
  await sleep(Math.max(0, killAt + 2_500 - Date.now()))
  const killedAt = Date.now()
  first.child.kill('SIGKILL')
  await first.exited
  // Restarted at once, as a service manager does on exit; the held rows are released meanwhile.
  const restartedAt = Date.now()
  const starting = startServerChild({ DATABASE_URL: t.url, XINLIAN_DEMO: '0' })
  starting.catch(() => undefined) // awaited below
  release()
  await holder
  const inFlight = await t.sql<{ id: string; caseId: string }[]>`
    select id, data->>'caseId' as "caseId" from pgboss.job where name = 'deadline' and state = 'active'`
  // The setup holds the firing transactions, so the killed worker had jobs in flight.
  expect(inFlight.length).toBeGreaterThan(0)

  const second = await starting
  try {
    const ids = cases.map((c) => c.id)
    let rows: { caseId: string; recordedAt: Date }[] = []
    // Bounded wait (the deadline queue's old 120 s expiry would overrun it).
    for (let i = 0; i < 120; i++) {
      rows = await t.sql<{ caseId: string; recordedAt: Date }[]>`
        select case_id as "caseId", recorded_at as "recordedAt" from case_events
        where case_id = any(${ids}) and type = 'deadline_warning'`
      if (new Set(rows.map((r) => r.caseId)).size === cases.length) break
      await sleep(250)
    }
    expect(rows.length).toBe(cases.length) // every one, exactly once
    expect(new Set(rows.map((r) => r.caseId)).size).toBe(cases.length)
    // The mechanism that bounds the lateness: the jobs in flight at the kill are still `active`
    // (pg-boss has not expired and retried them) when their warnings are already recorded, so the
    // restarted server's boot re-check fired them (api/compose.ts), not the queue's expiry.
    const [still] = await t.sql<{ n: number }[]>`
      select count(*)::int as n from pgboss.job
       where id = any(${inFlight.map((j) => j.id)}::uuid[]) and state = 'active'`
    expect(still!.n).toBe(inFlight.length)
    const lateness = rows.map((r) =>
      differenceInMilliseconds(r.recordedAt, cases.find((c) => c.id === r.caseId)!.due),
    )
    const worst = Math.max(...lateness)
    // Lateness that the restart is responsible for: fired − max(due, restart began).
    const sinceRestart = Math.max(
      ...rows.map((r) =>
        differenceInMilliseconds(
          r.recordedAt,
          Math.max(restartedAt, cases.find((c) => c.id === r.caseId)!.due.getTime()),
        ),
      ),
    )
    console.log(
      `timers due at a kill -9: ${inFlight.length} in flight at the kill; worst lateness ${(worst / 1000).toFixed(1)} s ` +
        `(the earliest was due ${((killedAt - cases[0]!.due.getTime()) / 1000).toFixed(1)} s before the kill, the restart began ${((restartedAt - killedAt) / 1000).toFixed(1)} s after it; ` +
        `worst fired − max(due, restart) ${(sinceRestart / 1000).toFixed(1)} s)`,
    )
  } finally {
    second.child.kill('SIGTERM')
    await second.exited
  }
}, 120_000)
