import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { DEMO_NETWORK_ID } from '../../fixtures/seed-demo.ts'
import { falseActivationsByMonth, fold, type ActivationMonth } from '../../workflows/core/index.ts'
import { activationsByMonth } from '../../workflows/runtime/store/activations.ts'
import { caseInfoOf, getCase, loadEvents } from '../../workflows/runtime/store/cases.ts'
import { testEnv, type TestEnv } from '../harness.ts'

const LANTIAN = demoId('facility:lantian')
const MIN = 60_000

describe('false cath lab activations in the QA metrics API', () => {
  let t: TestEnv
  // Clinical times are back-dated from now: events must not be in the future.
  const base = Date.now() - 90 * MIN
  const at = (m: number) => new Date(base + m * MIN).toISOString()

  beforeAll(async () => {
    t = await testEnv({ workers: false })
  })
  afterAll(async () => t.close())

  const post = async (
    caseId: string,
    user: string,
    type: string,
    m: number,
    data: Record<string, unknown> = {},
  ) => {
    const r = await t.call('POST', `/api/cases/${caseId}/events`, {
      token: await t.login(user),
      body: { id: randomUUID(), type, at: at(m), ...data },
    })
    if (r.status !== 201) throw new Error(`${type}: ${r.status} ${await r.text()}`)
  }
  const start = async (m: number) => {
    const id = randomUUID()
    const r = await t.call('POST', '/api/cases', {
      token: await t.login('lantian'),
      body: { id, facilityId: LANTIAN, patient: { sex: 'male', age: 58 }, firstMedicalContactAt: at(m) },
    })
    expect(r.status).toBe(201)
    await post(id, 'lantian', 'ecg_acquired', m + 3, { facilityId: LANTIAN })
    await post(id, 'dr.chen', 'diagnosis', m + 8, { diagnosis: 'stemi' })
    await post(id, 'cathlab', 'cath_lab_activated', m + 10)
    return id
  }
  const metrics = async (): Promise<ActivationMonth[]> => {
    const r = await t.call('GET', '/api/metrics?groupBy=month&cap=0', { token: await t.login('qa') })
    expect(r.status).toBe(200)
    return ((await r.json()) as { activations: ActivationMonth[] }).activations
  }
  const total = (rows: ActivationMonth[]) => ({
    activations: rows.reduce((a, m) => a + m.activations, 0),
    falseActivations: rows.reduce((a, m) => a + m.falseActivations, 0),
  })

  it('counts an activation, then the same one as false once the read turns out not STEMI', async () => {
    const justified = await start(0)
    const reread = await start(5)
    const noWire = await start(10)
    expect(total(await metrics())).toEqual({ activations: 3, falseActivations: 0 })

    // Re-read: not STEMI after all → a false activation, in the month of the activation.
    await post(reread, 'dr.chen', 'diagnosis', 30, { diagnosis: 'aortic_dissection' })
    expect(total(await metrics())).toEqual({ activations: 3, falseActivations: 1 })
    // Closed without angiography (no wire) → false too; the open STEMI case stays justified.
    await post(noWire, 'lantian', 'outcome', 40, { facilityId: LANTIAN, outcome: 'died' })
    const rows = await metrics()
    expect(total(rows)).toEqual({ activations: 3, falseActivations: 2 })

    // The SQL count agrees with the core's definition over the same cases (the mirror).
    const network = await t.deps.rt.networks.get(t.sql, DEMO_NETWORK_ID)
    const points = await Promise.all(
      [justified, reread, noWire].map(
        async (id) =>
          fold(caseInfoOf((await getCase(t.sql, id))!), await loadEvents(t.sql, id), network).points,
      ),
    )
    expect(rows).toEqual(falseActivationsByMonth(points))
    // Another network's QA sees none of them.
    const other = await t.call('GET', '/api/metrics?groupBy=month', { token: await t.login('qa2') })
    expect(((await other.json()) as { activations: ActivationMonth[] }).activations).toEqual([])
  })

  it('puts an activation in its China-time month, on either side of midnight at a month end', async () => {
    // 31 March 23:30 and 1 April 00:30 in Asia/Shanghai (15:30 and 16:30 UTC): two months.
    const times = ['2026-03-31T15:30:00Z', '2026-03-31T16:30:00Z']
    const ids: string[] = []
    for (const activated of times) {
      const id = randomUUID()
      const fmc = new Date(Date.parse(activated) - 20 * MIN).toISOString()
      const r = await t.call('POST', '/api/cases', {
        token: await t.login('lantian'),
        body: { id, facilityId: LANTIAN, patient: { sex: 'female', age: 66 }, firstMedicalContactAt: fmc },
      })
      expect(r.status).toBe(201)
      for (const [user, type, when, data] of [
        ['lantian', 'ecg_acquired', -15, { facilityId: LANTIAN }],
        ['dr.chen', 'diagnosis', -10, { diagnosis: 'stemi' }],
        ['cathlab', 'cath_lab_activated', 0, {}],
      ] as const) {
        const e = await t.call('POST', `/api/cases/${id}/events`, {
          token: await t.login(user),
          body: {
            id: randomUUID(),
            type,
            at: new Date(Date.parse(activated) + when * MIN).toISOString(),
            ...data,
          },
        })
        expect(e.status).toBe(201)
      }
      ids.push(id)
    }
    // A period that starts mid-month and ends mid-month: its first and last months are partial.
    const rows = await activationsByMonth(t.sql, {
      networkId: DEMO_NETWORK_ID,
      from: new Date('2026-03-15T00:00:00+08:00'),
      to: new Date('2026-04-10T00:00:00+08:00'),
    })
    expect(rows).toEqual([
      { month: '2026-03-01', activations: 1, falseActivations: 0 },
      { month: '2026-04-01', activations: 1, falseActivations: 0 },
    ])
    const network = await t.deps.rt.networks.get(t.sql, DEMO_NETWORK_ID)
    const points = await Promise.all(
      ids.map(
        async (id) =>
          fold(caseInfoOf((await getCase(t.sql, id))!), await loadEvents(t.sql, id), network).points,
      ),
    )
    expect(rows).toEqual(falseActivationsByMonth(points))
    // A period inside one month, and an empty one.
    const april = { networkId: DEMO_NETWORK_ID, from: new Date('2026-04-01T00:00:00+08:00') }
    expect(await activationsByMonth(t.sql, { ...april, to: new Date('2026-04-02T00:00:00+08:00') })).toEqual([
      { month: '2026-04-01', activations: 1, falseActivations: 0 },
    ])
    expect(await activationsByMonth(t.sql, { ...april, to: april.from })).toEqual([])
  })
})
