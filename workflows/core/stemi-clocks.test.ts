/**
 * The STEMI clocks follow the working diagnosis, an outcome ends every clock, and routine
 * angiography after lysis is judged by its own window (docs/clinical-rules.md, "STEMI clocks",
 * "Outcome", "Angiography after lysis").
 */
import { describe, expect, it } from 'vitest'
import type { CaseEvent } from './case-model.ts'
import { plan } from './deadlines.ts'
import { metricsOf } from './metrics.ts'
import { registryRecord } from './registry-record.ts'
import { build, ev, NETWORK, t, townshipStart } from './test-support.ts'
import { timersFor } from './timers.ts'

const STEMI_CLOCKS = ['diagnosis_to_needle', 'door_to_needle', 'fmc_to_wire', 'door_to_wire']
const read = (m: number, diagnosis: string) => ev('diagnosis', m, { diagnosis }, { by: 'dr.chen' })
const rulesOf = (events: CaseEvent[], now: number) => plan(build(events), NETWORK, now).map((d) => d.rule)
const timerRules = (events: CaseEvent[], now: number) =>
  new Set(timersFor(build(events), NETWORK, now).map((x) => x.rule))

describe('STEMI clocks follow the working diagnosis', () => {
  const primaryPci = (): CaseEvent[] => [
    ...townshipStart(),
    ev('ecg_acquired', 2),
    read(6, 'stemi'),
    ev('strategy', 7, { strategy: 'primary_pci' }, { by: 'dr.chen' }),
    ev('transfer_decided', 8, { toFacilityId: 'county' }),
  ]
  const lysis = (): CaseEvent[] => [
    ...townshipStart(),
    ev('ecg_acquired', 2),
    read(6, 'stemi'),
    ev('strategy', 7, { strategy: 'pharmacoinvasive' }, { by: 'dr.chen' }),
  ]

  it.each([
    { name: 'primary PCI path', events: primaryPci(), clocks: ['fmc_to_wire'] },
    { name: 'pharmacoinvasive path', events: lysis(), clocks: ['diagnosis_to_needle', 'door_to_needle'] },
  ])('$name: the STEMI clocks run while the read is STEMI', ({ events, clocks }) => {
    const rules = rulesOf(events, t(9))
    for (const c of clocks) expect(rules).toContain(c)
    for (const c of clocks) expect(timerRules(events, t(9)).has(c as never)).toBe(true)
  })

  it.each(['aortic_dissection', 'other_cardiac', 'non_cardiac', 'nstemi', 'inconclusive'])(
    'revised to %s: no STEMI clock is judged or armed',
    (dx) => {
      for (const base of [primaryPci(), lysis()]) {
        const events = [...base, read(9, dx)]
        // Far past every target: nothing is pending, nothing missed.
        const rules = rulesOf(events, t(600))
        for (const c of STEMI_CLOCKS) expect(rules).not.toContain(c)
        for (const c of STEMI_CLOCKS) expect(timerRules(events, t(10)).has(c as never)).toBe(false)
      }
    },
  )

  it('re-read as STEMI: the clocks return, counted from the first STEMI read', () => {
    const events = [...lysis(), read(9, 'other_cardiac'), read(11, 'stemi')]
    const d2n = plan(build(events), NETWORK, t(12)).find((d) => d.rule === 'diagnosis_to_needle')
    expect(d2n?.startAt).toBe(t(6))
  })

  it('the registry STEMI flag follows the working diagnosis', () => {
    expect(registryRecord(build(primaryPci()), NETWORK, t(600)).stemi).toBe(true)
    expect(registryRecord(build([...primaryPci(), read(9, 'other_cardiac')]), NETWORK, t(600)).stemi).toBe(
      false,
    )
    const notAcs = [...primaryPci(), ev('outcome', 30, { outcome: 'not_acs' })]
    expect(registryRecord(build(notAcs), NETWORK, t(600)).stemi).toBe(false)
  })
})

describe('an outcome ends every clock', () => {
  it.each([
    { outcome: 'not_acs', at: 30 },
    { outcome: 'died', at: 30 },
    { outcome: 'transferred_elsewhere', at: 30 },
  ])('outcome $outcome at $at min: no pending deadline, no timer', ({ outcome, at }) => {
    const events = [
      ...townshipStart(),
      ev('ecg_acquired', 2),
      read(6, 'stemi'),
      ev('strategy', 7, { strategy: 'primary_pci' }, { by: 'dr.chen' }),
      ev('outcome', at, { outcome }),
    ]
    const s = build(events)
    expect(plan(s, NETWORK, t(at + 1)).filter((d) => d.status === 'pending')).toEqual([])
    expect(plan(s, NETWORK, t(600)).map((d) => d.rule)).not.toContain('fmc_to_wire')
    expect(timersFor(s, NETWORK, t(at + 1))).toEqual([])
  })

  it('a deadline already missed before the outcome stays missed', () => {
    const events = [...townshipStart(), ev('outcome', 30, { outcome: 'died' })]
    const first = plan(build(events), NETWORK, t(31)).find((d) => d.rule === 'first_ecg')
    expect(first?.status).toBe('missed')
  })
})

describe('angiography after lysis is not a primary-PCI clock', () => {
  // Successful lysis at a township, arrival at the county at 2 h 30, routine angiography at 3 h.
  const lysedThenAngio = (assessment: Record<string, unknown> | null): CaseEvent[] => [
    ...townshipStart(),
    ev('ecg_acquired', 2),
    read(6, 'stemi'),
    ev('strategy', 7, { strategy: 'pharmacoinvasive' }, { by: 'dr.chen' }),
    ev('lysis_decision', 9, { decision: 'approved' }, { by: 'dr.chen' }),
    ev('lysis_bolus', 12, { drug: 'tenecteplase', doseMg: 35, doseFraction: 'full' }),
    ...(assessment ? [ev('reperfusion_assessment', 80, assessment, { by: 'dr.chen' })] : []),
    ev('transfer_decided', 85, { toFacilityId: 'county' }),
    ev('departed', 90, { facilityId: 'lantian', toFacilityId: 'county' }),
    ev('arrived', 162, { facilityId: 'county' }),
    ev('cath_lab_activated', 165, {}, { by: 'cathlab' }),
    ev('cath_lab_ready', 175, {}, { by: 'cathlab' }),
    ev('wire_crossed', 192, {}, { by: 'dr.chen' }),
  ]

  it('successful lysis + angiography at 3 h: window met, no door-to-wire or FMC-to-wire judged', () => {
    const s = build(lysedThenAngio({ stResolution: true, painRelief: true }))
    const verdicts = Object.fromEntries(plan(s, NETWORK, t(300)).map((d) => [d.rule, d.status]))
    expect(verdicts.angiography_after_lysis).toBe('met')
    expect(verdicts).not.toHaveProperty('door_to_wire')
    expect(verdicts).not.toHaveProperty('fmc_to_wire')
    expect(verdicts).not.toHaveProperty('rescue_pci')
    const m = metricsOf(s).values
    expect(m.door_to_wire).toBeNull()
    expect(m.fmc_to_wire).toBeNull()
    expect(m.lysis_to_angiography).toBe(180)
  })

  it('failed lysis: rescue PCI is judged, and it is not "angiography 2–24 h"', () => {
    const s = build(lysedThenAngio({ stResolution: false, painRelief: false }))
    const verdicts = Object.fromEntries(plan(s, NETWORK, t(300)).map((d) => [d.rule, d.status]))
    expect(verdicts.rescue_pci).toBeDefined()
    expect(verdicts).not.toHaveProperty('angiography_after_lysis')
    expect(verdicts).not.toHaveProperty('door_to_wire')
    expect(metricsOf(s).values.lysis_to_angiography).toBeNull()
  })

  it('primary PCI keeps its door-to-wire and FMC-to-wire metrics', () => {
    const events = [
      ...townshipStart(),
      ev('ecg_acquired', 2),
      read(6, 'stemi'),
      ev('strategy', 7, { strategy: 'primary_pci' }, { by: 'dr.chen' }),
      ev('departed', 20, { facilityId: 'lantian', toFacilityId: 'county' }),
      ev('arrived', 98, { facilityId: 'county' }),
      ev('wire_crossed', 140, {}, { by: 'dr.chen' }),
    ]
    const m = metricsOf(build(events)).values
    expect(m.door_to_wire).toBe(42)
    expect(m.fmc_to_wire).toBe(140)
    expect(m.lysis_to_angiography).toBeNull()
  })
})

describe('lysis failure starts the rescue clock', () => {
  const lysed = (after: CaseEvent[]): CaseEvent[] => [
    ...townshipStart(),
    read(6, 'stemi'),
    ev('lysis_decision', 9, { decision: 'approved' }, { by: 'dr.chen' }),
    ev('lysis_bolus', 12, { drug: 'tenecteplase', doseMg: 35, doseFraction: 'full' }),
    ...after,
  ]
  const assess = (m: number, data: Record<string, unknown>) =>
    ev('reperfusion_assessment', m, { stResolution: true, painRelief: true, ...data }, { by: 'dr.chen' })
  it.each([
    { name: 'ST resolved, pain relieved', after: [assess(90, {})], rescueAt: null },
    { name: 'no ST resolution', after: [assess(90, { stResolution: false })], rescueAt: 90 },
    { name: 'ongoing pain at the assessment', after: [assess(90, { painRelief: false })], rescueAt: 90 },
    {
      name: 'instability at the assessment',
      after: [assess(90, { haemodynamicInstability: true })],
      rescueAt: 90,
    },
    {
      name: 'success, then a later failed assessment',
      after: [assess(80, {}), assess(200, { stResolution: false })],
      rescueAt: 200,
    },
    {
      name: 'success, then re-occlusion recorded',
      after: [assess(80, {}), ev('clinical_status', 300, { reocclusion: true })],
      rescueAt: 300,
    },
    { name: 'no assessment', after: [], rescueAt: null },
  ])('$name → rescue at $rescueAt', ({ after, rescueAt }) => {
    const d = plan(build(lysed(after)), NETWORK, t(400))
    const rescue = d.find((x) => x.rule === 'rescue_pci')
    const angio = d.find((x) => x.rule === 'angiography_after_lysis')
    if (rescueAt === null) {
      expect(rescue).toBeUndefined()
      // Success or no assessment: the 2–24 h angiography window from the bolus.
      expect(angio?.startAt).toBe(t(12))
    } else {
      expect(rescue?.startAt).toBe(t(rescueAt))
      expect(angio).toBeUndefined()
    }
  })
})

describe('repeat ECG after an inconclusive read', () => {
  const repeat = (events: CaseEvent[], now: number) =>
    plan(build([...townshipStart(), ev('ecg_acquired', 1), ...events]), NETWORK, t(now)).find(
      (d) => d.rule === 'repeat_ecg',
    )
  it('starts at the inconclusive read, warns at 15 and is due at 30 min', () => {
    expect(repeat([read(5, 'inconclusive')], 10)).toMatchObject({
      startAt: t(5),
      warnAt: t(20),
      dueAt: t(35),
      status: 'pending',
    })
  })
  it('a new ECG meets it; the next inconclusive read starts a new clock', () => {
    expect(repeat([read(5, 'inconclusive'), ev('ecg_acquired', 25)], 60)?.status).toBe('met')
    expect(
      repeat([read(5, 'inconclusive'), ev('ecg_acquired', 25), read(30, 'inconclusive')], 40),
    ).toMatchObject({
      startAt: t(30),
      status: 'pending',
    })
  })
  it('a confirmed read ends it', () => {
    expect(repeat([read(5, 'inconclusive'), read(12, 'stemi')], 60)).toBeUndefined()
  })
})
