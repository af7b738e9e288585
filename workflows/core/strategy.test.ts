import { describe, expect, it } from 'vitest'
import type { CaseEvent } from './case-model.ts'
import type { NetworkInfo } from './network.ts'
import { adviseStrategy } from './strategy.ts'
import { build, ev, INFO, NETWORK, NO_ANSWERS, t } from './test-support.ts'

/** A network where Lantian is `travel` minutes from the county. */
const withTravel = (travel: number): NetworkInfo => ({
  ...NETWORK,
  travel: NETWORK.travel.map((x) =>
    x.from === 'lantian' && x.to === 'county' ? { ...x, minutes: travel } : x,
  ),
})

const stemiAtLantian = (extra: CaseEvent[] = []): CaseEvent[] => [
  ev('first_medical_contact', 0, { facilityId: 'lantian' }),
  ev('arrived', 0, { facilityId: 'lantian' }),
  ev('ecg_acquired', 3),
  ev('diagnosis', 10, { diagnosis: 'stemi' }, { by: 'dr.chen' }),
  ...extra,
]

describe('adviseStrategy', () => {
  it('is null without a STEMI diagnosis', () => {
    expect(
      adviseStrategy(build([ev('first_medical_contact', 0, { facilityId: 'lantian' })]), NETWORK, t(5)),
    ).toBeNull()
  })

  // At minute 10, remaining DIDO = 30 − 10 = 20; door-to-wire 60; so travel 40 → 120, travel 41 → 121.
  it('exactly 120 min → primary PCI (inclusive boundary)', () => {
    const network = withTravel(40)
    const a = adviseStrategy(build(stemiAtLantian(), INFO, network), network, t(10))
    expect(a).toMatchObject({
      advice: 'primary_pci',
      travelMinutes: 40,
      remainingDidoMinutes: 20,
      doorToWireMinutes: 60,
      diagnosisToWireMinutes: 120,
      countyFacilityId: 'county',
      fromFacilityId: 'lantian',
    })
    expect(a?.reasons.length).toBeGreaterThan(0)
  })

  it('121 min → pharmacoinvasive at a lysis-capable township', () => {
    const network = withTravel(41)
    const a = adviseStrategy(build(stemiAtLantian(), INFO, network), network, t(10))
    expect(a).toMatchObject({
      advice: 'pharmacoinvasive',
      diagnosisToWireMinutes: 121,
      lysisFacilityId: 'lantian',
    })
  })

  it('remaining DIDO never goes below zero', () => {
    const a = adviseStrategy(build(stemiAtLantian()), NETWORK, t(45))
    expect(a).toMatchObject({ remainingDidoMinutes: 0, diagnosisToWireMinutes: 138 })
  })

  it('an absolute contraindication → primary PCI even though delayed', () => {
    const checklist = ev('lysis_checklist', 11, {
      answers: { ...NO_ANSWERS, prior_intracranial_haemorrhage: true },
      weightKg: 65,
      drug: 'tenecteplase',
      doseMg: 35,
      doseFraction: 'full',
    })
    expect(adviseStrategy(build(stemiAtLantian([checklist])), NETWORK, t(12))?.advice).toBe(
      'primary_pci_delayed',
    )
  })

  it('onset more than 12 h ago → primary PCI delayed (lysis not indicated)', () => {
    const events = [ev('symptom_onset', -13 * 60), ...stemiAtLantian()]
    expect(adviseStrategy(build(events), NETWORK, t(10))?.advice).toBe('primary_pci_delayed')
  })

  it('a village start → transfer for lysis to the nearest lysis-capable township, DIDO counted from FMC', () => {
    const events = [
      ev('first_medical_contact', 0, { facilityId: 'v1' }),
      ev('ecg_acquired', 5),
      ev('diagnosis', 12, { diagnosis: 'stemi' }, { by: 'dr.chen' }),
    ]
    const a = adviseStrategy(build(events, { ...INFO, facilityId: 'v1' }), NETWORK, t(12))
    expect(a).toMatchObject({
      advice: 'transfer_for_lysis',
      fromFacilityId: 'v1',
      travelMinutes: 88,
      remainingDidoMinutes: 18,
      diagnosisToWireMinutes: 166,
      lysisFacilityId: 'lantian',
      travelToLysisMinutes: 10,
    })
  })

  it('at the county → primary PCI', () => {
    const events = [
      ev('first_medical_contact', 0, { facilityId: 'county' }),
      ev('arrived', 0, { facilityId: 'county' }),
      ev('diagnosis', 8, { diagnosis: 'stemi' }),
    ]
    expect(adviseStrategy(build(events, { ...INFO, facilityId: 'county' }), NETWORK, t(8))).toMatchObject({
      advice: 'primary_pci',
      travelMinutes: 0,
      remainingDidoMinutes: 0,
      diagnosisToWireMinutes: 60,
    })
  })
})
