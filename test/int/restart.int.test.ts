import { afterAll, beforeAll, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { testEnv, type TestEnv } from '../harness.ts'
import { startServerChild } from '../server-child.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

let t: TestEnv
beforeAll(async () => {
  // This process records events but runs no timer worker: only the server child does.
  t = await testEnv({ workers: false })
})
afterAll(async () => t.close())

/** `npm start`'s entry point as a separate OS process on the test database. */
const startServer = () => startServerChild({ DATABASE_URL: t.url, XINLIAN_DEMO: '0' })

const warnings = async (caseId: string) =>
  t.sql<
    { rule: string }[]
  >`select data->>'rule' as rule from case_events where case_id = ${caseId} and type = 'deadline_warning'`

it('pending deadlines survive kill -9 of the server and fire after restart', async () => {
  const caseId = crypto.randomUUID()
  // first_ecg warns at 7 min after FMC: back-date FMC so the warning is due in ~15 s.
  const fmc = new Date(Date.now() - 7 * 60_000 + 15_000)
  const r = await t.call('POST', '/api/cases', {
    token: await t.login('lantian'),
    body: {
      id: caseId,
      facilityId: demoId('facility:lantian'),
      patient: { sex: 'female', age: 71 },
      firstMedicalContactAt: fmc.toISOString(),
    },
  })
  expect(r.status).toBe(201)
  const [timer] =
    await t.sql`select job_id from case_timers where case_id = ${caseId} and key = 'first_ecg:warn'`
  expect(timer?.job_id).toBeTruthy()

  const first = await startServer()
  first.child.kill('SIGKILL') // a crash: no graceful shutdown
  await first.exited

  await sleep(Math.max(0, fmc.getTime() + 7 * 60_000 - Date.now()) + 1_000)
  expect(await warnings(caseId)).toEqual([]) // due, but nobody was running

  const second = await startServer()
  try {
    let fired: { rule: string }[] = []
    for (let i = 0; i < 40 && !fired.length; i++) {
      await sleep(250)
      fired = await warnings(caseId)
    }
    expect(fired).toEqual([{ rule: 'first_ecg' }])
  } finally {
    second.child.kill('SIGTERM')
    await second.exited
  }
}, 90_000)
