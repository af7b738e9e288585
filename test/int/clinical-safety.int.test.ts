/**
 * Clinical safety through the HTTP API (docs/clinical-rules.md): a STEMI read revised to aortic
 * dissection loses its advice and its bolus; a full-dose bolus at 80 is refused without an
 * override; routine angiography 3 h after successful lysis is no missed door-to-wire.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { streamOnly } from '../../workflows/runtime/notifier.ts'
import { testEnv, type TestEnv } from '../harness.ts'
import { timeAnchor } from '../time-anchor.ts'
import { startWalkIn } from '../walk-in.ts'

const LANTIAN = demoId('facility:lantian')
const COUNTY = demoId('facility:county')
// One anchor per test: intervals between points are then exact, however slow the machine is between calls.
const { minutesAgo } = timeAnchor()

let t: TestEnv
beforeAll(async () => {
  t = await testEnv({ compose: { notifier: streamOnly } })
})
afterAll(async () => t.close())

const startCase = (age: number, fmcMinutesAgo = 15) =>
  startWalkIn(t, minutesAgo(fmcMinutesAgo), { patient: { sex: 'male', age, weightKg: 65 } })

const post = async (caseId: string, user: string, body: Record<string, unknown>) =>
  t.call('POST', `/api/cases/${caseId}/events`, {
    token: await t.login(user),
    body: { id: crypto.randomUUID(), ...body },
  })
const created = async (caseId: string, user: string, body: Record<string, unknown>) => {
  const r = await post(caseId, user, body)
  expect([r.status, body.type]).toEqual([201, body.type])
}
const getCase = async (caseId: string) =>
  (await t.call('GET', `/api/cases/${caseId}`, { token: await t.login('lantian') })).json()

const bolus = (m: number, doseMg = 35) => ({
  type: 'lysis_bolus',
  at: minutesAgo(m),
  drug: 'tenecteplase',
  doseMg,
  doseFraction: doseMg < 30 ? 'half' : 'full',
})

async function stemiApproved(caseId: string, dxAgo = 10) {
  await created(caseId, 'lantian', { type: 'ecg_acquired', at: minutesAgo(dxAgo + 3), facilityId: LANTIAN })
  await created(caseId, 'dr.chen', { type: 'diagnosis', at: minutesAgo(dxAgo), diagnosis: 'stemi' })
  await created(caseId, 'dr.chen', {
    type: 'lysis_decision',
    at: minutesAgo(dxAgo - 1),
    decision: 'approved',
  })
}

describe('clinical safety through the API', () => {
  it('a STEMI read revised to aortic dissection: advice null, STEMI clocks stop, bolus refused (zh + en) even with an override', async () => {
    const caseId = await startCase(58)
    await stemiApproved(caseId)
    expect((await getCase(caseId)).advice).not.toBeNull()
    await created(caseId, 'dr.chen', { type: 'diagnosis', at: minutesAgo(5), diagnosis: 'aortic_dissection' })
    const view = await getCase(caseId)
    expect(view.advice).toBeNull()
    const rules = view.deadlines.map((d: { rule: string }) => d.rule)
    expect(rules).not.toContain('diagnosis_to_needle')
    expect(rules).not.toContain('door_to_needle')
    for (const body of [bolus(1), { ...bolus(1), override: { reason: '家属要求' } }]) {
      const r = await post(caseId, 'lantian', body)
      expect(r.status).toBe(409)
      const err = (await r.json()).error
      expect(err.code).toBe('aortic_dissection_read')
      expect(err.messageZh).toContain('主动脉夹层')
      expect(err.message).toMatch(/aortic dissection/i)
    }
    const [row] =
      await t.sql`select count(*)::int as n from case_events where case_id = ${caseId} and type = 'lysis_bolus'`
    expect(row!.n).toBe(0)
  })

  it('an 80-year-old with a full-dose bolus is refused without an override; the half dose is accepted', async () => {
    const caseId = await startCase(80)
    await stemiApproved(caseId)
    const refused = await post(caseId, 'lantian', bolus(1, 35))
    expect(refused.status).toBe(409)
    const err = (await refused.json()).error
    expect(err.code).toBe('dose_above_suggested')
    expect(err.field).toBe('doseMg')
    expect(err.messageZh).toContain('剂量')
    expect((await post(caseId, 'lantian', bolus(1, 17.5))).status).toBe(201)
    // The lysis packet suggests the co-therapy for an 80-year-old and records what was given.
    await created(caseId, 'lantian', {
      type: 'medication_given',
      at: minutesAgo(0.5),
      drug: 'aspirin',
      doseMg: 300,
      route: 'oral',
    })
    const view = await getCase(caseId)
    const suggested = Object.fromEntries(view.lysisPacket.cotherapy.map((x: any) => [x.drug, x]))
    expect(suggested.clopidogrel.doseMg).toBe(75)
    expect(suggested.enoxaparin.doseMg).toBeNull() // no IV bolus at ≥ 75
    expect(view.lysisPacket.medicationsGiven).toMatchObject([{ drug: 'aspirin', doseMg: 300 }])
  })

  it('an 80-year-old full dose with an override reason is stored and flagged for QA', async () => {
    const caseId = await startCase(80)
    await stemiApproved(caseId)
    const r = await post(caseId, 'lantian', {
      ...bolus(1, 35),
      override: { reason: '体重估计有误,主任同意' },
    })
    expect(r.status).toBe(201)
    const view = await getCase(caseId)
    expect(view.flags.map((f: { code: string }) => f.code)).toContain('override')
  })

  it('successful lysis then angiography 3 h later: no door-to-wire judged, the 2–24 h window met', async () => {
    const caseId = await startCase(58, 240)
    await created(caseId, 'lantian', { type: 'ecg_acquired', at: minutesAgo(237), facilityId: LANTIAN })
    await created(caseId, 'dr.chen', { type: 'diagnosis', at: minutesAgo(232), diagnosis: 'stemi' })
    await created(caseId, 'dr.chen', { type: 'strategy', at: minutesAgo(231), strategy: 'pharmacoinvasive' })
    await created(caseId, 'dr.chen', { type: 'lysis_decision', at: minutesAgo(230), decision: 'approved' })
    await created(caseId, 'lantian', bolus(225))
    await created(caseId, 'dr.chen', {
      type: 'reperfusion_assessment',
      at: minutesAgo(150),
      stResolution: true,
      painRelief: true,
    })
    await created(caseId, 'lantian', { type: 'transfer_decided', at: minutesAgo(148), toFacilityId: COUNTY })
    await created(caseId, 'lantian', {
      type: 'departed',
      at: minutesAgo(140),
      facilityId: LANTIAN,
      toFacilityId: COUNTY,
    })
    await created(caseId, 'cathlab', { type: 'arrived', at: minutesAgo(60), facilityId: COUNTY })
    await created(caseId, 'cathlab', { type: 'cath_lab_activated', at: minutesAgo(58) })
    await created(caseId, 'cathlab', { type: 'cath_lab_ready', at: minutesAgo(50) })
    // Wire 180 min after the bolus, 60 min after county door-in (over the 60-min door-to-wire).
    await created(caseId, 'dr.chen', { type: 'wire_crossed', at: minutesAgo(45) })
    const view = await getCase(caseId)
    const verdicts = Object.fromEntries(view.deadlines.map((d: any) => [d.rule, d.status]))
    expect(verdicts.angiography_after_lysis).toBe('met')
    expect(verdicts).not.toHaveProperty('door_to_wire')
    expect(verdicts).not.toHaveProperty('fmc_to_wire')
    expect(view.metrics.door_to_wire).toBeNull()
    expect(view.metrics.lysis_to_angiography).toBe(180)
  })
})
