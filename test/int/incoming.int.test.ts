import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { streamOnly } from '../../workflows/runtime/notifier.ts'
import { testEnv, type TestEnv } from '../harness.ts'
import { loadScenario, replayOverHttp } from '../scenarios.ts'

const COUNTY = demoId('facility:county')
const LANTIAN = demoId('facility:lantian')

let t: TestEnv
beforeAll(async () => {
  t = await testEnv({ compose: { notifier: streamOnly } })
})
afterAll(async () => t.close())

const incoming = async (user: string) => {
  const r = await t.call('GET', '/api/incoming', { token: await t.login(user) })
  expect(r.status).toBe(200)
  return ((await r.json()) as { cases: any[] }).cases
}

describe('GET /api/incoming', () => {
  it('lists a departed patient for the county until arrival, with the travel-matrix ETA and the cath lab state', async () => {
    const s = loadScenario('anxi')
    const upTo = s.case.events.findIndex((e) => e.type === 'departed')
    const { caseId, shifted } = await replayOverHttp(t, {
      ...s,
      case: { ...s.case, events: s.case.events.slice(0, upTo + 1) },
    })
    const departed = s.case.events[upTo]!
    const [row] = (await incoming('cathlab')).filter((c) => c.id === caseId)
    expect(row).toMatchObject({
      from: { facilityId: LANTIAN },
      to: { facilityId: COUNTY },
      diagnosis: 'stemi',
      strategy: 'pharmacoinvasive',
      departedAt: shifted(departed.at),
      etaSource: 'travel_matrix',
      travelMinutes: 78,
      cathLab: { activatedAt: null, readyAt: null },
    })
    expect(Date.parse(row.etaAt) - Date.parse(row.departedAt)).toBe(78 * 60_000)
    expect(row.lysedAt).not.toBeNull()
    expect(JSON.stringify(row)).not.toContain('weightKg')
    // The county cardiologist sees it too; the sending township and another network do not.
    expect((await incoming('dr.chen')).map((c) => c.id)).toContain(caseId)
    expect((await incoming('lantian')).map((c) => c.id)).not.toContain(caseId)
    expect(await incoming('township2')).toEqual([])

    const post = async (type: string, data: Record<string, unknown> = {}) => {
      const r = await t.call('POST', `/api/cases/${caseId}/events`, {
        token: await t.login('cathlab'),
        body: { id: crypto.randomUUID(), type, at: new Date().toISOString(), ...data },
      })
      expect(r.status).toBe(201)
    }
    await post('cath_lab_activated')
    await post('cath_lab_ready')
    const [ready] = (await incoming('cathlab')).filter((c) => c.id === caseId)
    expect(ready.cathLab.activatedAt).not.toBeNull()
    expect(ready.cathLab.readyAt).not.toBeNull()
    await post('arrived', { facilityId: COUNTY })
    expect((await incoming('cathlab')).map((c) => c.id)).not.toContain(caseId)
  })
})
