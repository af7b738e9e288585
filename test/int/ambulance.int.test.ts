import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { DEMO_NETWORK_ID } from '../../fixtures/seed-demo.ts'
import { CHECKLIST_KEYS, falseActivationsByMonth, fold } from '../../workflows/core/index.ts'
import { caseInfoOf, getCase, loadEvents } from '../../workflows/runtime/store/cases.ts'
import { testEnv, type TestEnv } from '../harness.ts'

const AMB = demoId('facility:ambulance-120-1')
const COUNTY = demoId('facility:county')
// The county's seeded coordinates; the scene is ~21 km north-west of it.
const COUNTY_AT = { lat: 25.0556, lon: 118.1862 }
const SCENE = { lat: 25.2, lon: 118.05 }
const MIN = 60_000

describe('ambulance tier', () => {
  let t: TestEnv
  // Clinical times are back-dated from now: events must not be in the future.
  const base = Date.now() - 60 * MIN
  const at = (m: number) => new Date(base + m * MIN).toISOString()
  const caseId = randomUUID()

  beforeAll(async () => {
    t = await testEnv({ workers: false })
  })
  afterAll(async () => t.close())

  const send = async (user: string, type: string, m: number, data: Record<string, unknown> = {}) =>
    t.call('POST', `/api/cases/${caseId}/events`, {
      token: await t.login(user),
      body: { id: randomUUID(), type, at: at(m), ...data },
    })
  const post = async (user: string, type: string, m: number, data: Record<string, unknown> = {}) => {
    const r = await send(user, type, m, data)
    if (r.status !== 201) throw new Error(`${type}: ${r.status} ${await r.text()}`)
  }
  const fix = async (user: string, m: number, f: number, accuracyM = 15) =>
    t.call('POST', `/api/cases/${caseId}/positions`, {
      token: await t.login(user),
      body: {
        at: at(m),
        lat: SCENE.lat + (COUNTY_AT.lat - SCENE.lat) * f,
        lon: SCENE.lon + (COUNTY_AT.lon - SCENE.lon) * f,
        accuracyM,
      },
    })

  it('120 call → scene → ECG in the vehicle → remote STEMI read → pre-hospital lysis → on the road', async () => {
    const crew = await t.login('crew120')
    const r = await t.call('POST', '/api/cases', {
      token: crew,
      body: {
        id: caseId,
        facilityId: AMB,
        patient: { sex: 'male', age: 61, weightKg: 70 },
        firstMedicalContactAt: at(15),
        arrivalMode: 'ambulance',
        symptomOnsetAt: at(-30),
      },
    })
    expect(r.status).toBe(201)
    await post('crew120', 'ems_call', 0)
    await post('crew120', 'ems_dispatched', 2)
    await post('crew120', 'ems_on_scene', 14)
    await post('crew120', 'ecg_acquired', 17)
    await post('crew120', 'ecg_transmitted', 18, { via: 'realtime' })
    await post('dr.chen', 'consult_acknowledged', 19)
    await post('dr.chen', 'diagnosis', 22, { diagnosis: 'stemi' })
    await post('dr.chen', 'strategy', 23, { strategy: 'pharmacoinvasive' })
    await post('crew120', 'lysis_checklist', 24, {
      answers: Object.fromEntries(CHECKLIST_KEYS.map((k) => [k, false])),
      weightKg: 70,
      drug: 'tenecteplase',
      doseMg: 35,
      doseFraction: 'full',
    })
    await post('crew120', 'consent_started', 25)
    await post('crew120', 'consent_signed', 27)
    await post('dr.chen', 'lysis_decision', 28, { decision: 'approved' })

    // The demo network does not allow pre-hospital lysis: the same gate as a village point.
    const bolus = { drug: 'tenecteplase', doseMg: 35, doseFraction: 'full' }
    const refused = await send('crew120', 'lysis_bolus', 30, bolus)
    expect(refused.status).toBe(422)
    expect(((await refused.json()) as { error: { field?: string } }).error.field).toBe('facilityId')

    await t.sql`update networks set settings = settings || ${t.sql.json({ prehospitalLysis: true })}
                 where id = ${DEMO_NETWORK_ID}`
    t.deps.rt.networks.invalidate(DEMO_NETWORK_ID)
    await post('crew120', 'lysis_bolus', 30, bolus)

    // Before leaving the scene the case is not in transit: no positions.
    const early = await fix('crew120', 31, 0)
    expect(early.status).toBe(409)
    await post('crew120', 'ems_left_scene', 40, { toFacilityId: COUNTY })

    const row = (await getCase(t.sql, caseId))!
    const state = fold(
      caseInfoOf(row),
      await loadEvents(t.sql, caseId),
      await t.deps.rt.networks.get(t.sql, DEMO_NETWORK_ID),
    )
    expect(state.points.fmc).toBe(base + 15 * MIN)
    expect(state.points.emsCall).toBe(base)
    expect(state.points.bolus?.facilityId).toBe(AMB)
  })

  it('the incoming board: departure + matrix without a position', async () => {
    const board = await t.call('GET', '/api/incoming', { token: await t.login('dr.chen') })
    expect(board.status).toBe(200)
    const { cases } = (await board.json()) as { cases: Record<string, unknown>[] }
    const c = cases.find((x) => x.id === caseId)!
    // The demo matrix: ambulance unit → county 30 min.
    expect(c).toMatchObject({
      etaSource: 'travel_matrix',
      etaAt: at(70),
      departedAt: at(40),
      diagnosis: 'stemi',
    })
  })

  it('positions: validated, scoped, and they correct the ETA (simulated track at 0.6 km/min)', async () => {
    const bad = await t.call('POST', `/api/cases/${caseId}/positions`, {
      token: await t.login('crew120'),
      body: { at: at(41), lat: 95, lon: 118, accuracyM: 10 },
    })
    expect(bad.status).toBe(422)
    expect(((await bad.json()) as { error: { field?: string } }).error.field).toBe('lat')
    // A township physician of an unrelated facility cannot see the case at all.
    expect((await fix('lantian', 41, 0)).status).toBe(404)
    // Before the departure: refused, naming `at`.
    expect((await fix('crew120', 39, 0)).status).toBe(422)

    const total = 21.1 // km, straight line scene → county (see workflows/core/ambulance.test.ts)
    for (let m = 40; m <= 58; m++)
      expect((await fix('crew120', m, ((m - 40) * 0.6) / total)).status).toBe(201)
    // A fix re-sent after a dead zone is kept once.
    expect((await fix('crew120', 58, (18 * 0.6) / total)).status).toBe(200)
    const [count] = await t.sql<
      { n: number }[]
    >`select count(*)::int as n from case_positions where case_id = ${caseId}`
    expect(count?.n).toBe(19)

    const board = await t.call('GET', '/api/incoming', { token: await t.login('cathlab') })
    const c = ((await board.json()) as { cases: Record<string, unknown>[] }).cases.find(
      (x) => x.id === caseId,
    )!
    expect(c.etaSource).toBe('position')
    // By hand: 10.8 km done, ~10.3 left; closing speed → 17.2 min, the scaled matrix 30 × 10.3/21.1
    // ≈ 14.6; their mean ≈ 15.9 after the last fix at +58 → ≈ +73.9, later than the matrix's +70.
    const eta = Date.parse(c.etaAt as string)
    expect(eta).toBeGreaterThan(base + 72 * MIN)
    expect(eta).toBeLessThan(base + 76 * MIN)
    expect(c.uncertaintyMinutes).toBeGreaterThanOrEqual(1)
  })

  it('arrival at the county ends the transit; the activation without a read needs a reason; a false activation is counted', async () => {
    await post('cathlab', 'cath_lab_activated', 45)
    // Earlier than the estimate (the crew drove faster at the end); clinical time ≤ now.
    await post('crew120', 'arrived', 62, { facilityId: COUNTY })
    const board = await t.call('GET', '/api/incoming', { token: await t.login('dr.chen') })
    expect(((await board.json()) as { cases: { id: string }[] }).cases.map((x) => x.id)).not.toContain(caseId)
    expect((await fix('crew120', 59, 0.6)).status).toBe(409)

    // A second crew case: activation before any read needs "activate now" with a reason.
    const second = randomUUID()
    const crew = await t.login('crew120')
    expect(
      (
        await t.call('POST', '/api/cases', {
          token: crew,
          body: {
            id: second,
            facilityId: AMB,
            patient: { sex: 'female', age: 70 },
            firstMedicalContactAt: at(10),
            arrivalMode: 'ambulance',
          },
        })
      ).status,
    ).toBe(201)
    const activate = (data: Record<string, unknown>) =>
      t.call('POST', `/api/cases/${second}/events`, {
        token: crew,
        body: { id: randomUUID(), type: 'cath_lab_activated', at: at(12), ...data },
      })
    const refused = await activate({})
    expect(refused.status).toBe(422)
    expect(((await refused.json()) as { error: { field?: string } }).error.field).toBe('reason')
    expect((await activate({ reason: '典型 ST 抬高, 立即激活' })).status).toBe(201)
    const reread = await t.call('POST', `/api/cases/${second}/events`, {
      token: await t.login('dr.chen'),
      body: { id: randomUUID(), type: 'diagnosis', at: at(20), diagnosis: 'aortic_dissection' },
    })
    expect(reread.status).toBe(201)

    const network = await t.deps.rt.networks.get(t.sql, DEMO_NETWORK_ID)
    const points = await Promise.all(
      [caseId, second].map(
        async (id) =>
          fold(caseInfoOf((await getCase(t.sql, id))!), await loadEvents(t.sql, id), network).points,
      ),
    )
    const months = falseActivationsByMonth(points)
    expect(months.reduce((a, m) => a + m.activations, 0)).toBe(2)
    expect(months.reduce((a, m) => a + m.falseActivations, 0)).toBe(1)
  })
})
