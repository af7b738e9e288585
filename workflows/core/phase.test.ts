import { describe, expect, it } from 'vitest'
import type { CaseEvent } from './case-model.ts'
import type { Phase } from './phase.ts'
import { build, ev, NO_ANSWERS } from './test-support.ts'

const bolusData = { drug: 'tenecteplase', doseMg: 35, doseFraction: 'full' }

/** The pharmacoinvasive path, event by event, with the phase after each. */
const LADDER: [CaseEvent, Phase][] = [
  [ev('symptom_onset', -30), 'triage'],
  [ev('first_medical_contact', 0, { facilityId: 'lantian' }), 'awaiting_ecg'],
  [ev('arrived', 0, { facilityId: 'lantian' }), 'awaiting_ecg'],
  [ev('ecg_acquired', 3), 'awaiting_read'],
  [ev('ecg_transmitted', 4, { via: 'realtime' }), 'awaiting_read'],
  [ev('diagnosis', 9, { diagnosis: 'stemi' }), 'diagnosed'],
  [ev('strategy', 10, { strategy: 'pharmacoinvasive' }), 'awaiting_lysis_decision'],
  [
    ev('lysis_checklist', 12, {
      answers: NO_ANSWERS,
      weightKg: 65,
      drug: 'tenecteplase',
      doseMg: 35,
      doseFraction: 'full',
    }),
    'awaiting_lysis_decision',
  ],
  [ev('lysis_decision', 15, { decision: 'approved' }), 'awaiting_lysis_decision'],
  [ev('lysis_bolus', 20, bolusData), 'lysed'],
  [ev('transfer_decided', 22, { toFacilityId: 'county' }), 'lysed'],
  [ev('departed', 35, { facilityId: 'lantian', toFacilityId: 'county' }), 'transfer'],
  [ev('reperfusion_assessment', 85, { stResolution: true, painRelief: true }), 'transfer'],
  [ev('arrived', 110, { facilityId: 'county' }), 'at_pci_center'],
  [ev('wire_crossed', 140), 'reperfused'],
  [ev('outcome', 5000, { outcome: 'discharged_alive' }), 'closed'],
]

describe('phaseOf', () => {
  it.each(LADDER.map(([e, p], i) => [i, e.type, p] as const))(
    'after event %i (%s) → %s',
    (i, _type, phase) => {
      const s = build(LADDER.slice(0, i + 1).map(([e]) => e))
      expect(s.phase).toBe(phase)
      expect(s.closed).toBe(phase === 'closed')
    },
  )

  it('post_lysis when assessed before leaving; back to diagnosed when lysis is declined', () => {
    const base = LADDER.slice(0, 10).map(([e]) => e)
    expect(
      build([...base, ev('reperfusion_assessment', 80, { stResolution: true, painRelief: true })]).phase,
    ).toBe('post_lysis')
    const declined = [
      ...LADDER.slice(0, 8).map(([e]) => e),
      ev('lysis_decision', 15, { decision: 'declined', reason: 'x' }),
    ]
    expect(build(declined).phase).toBe('diagnosed')
  })

  it('primary PCI transfer without lysis is `transfer` once decided', () => {
    const base = LADDER.slice(0, 6).map(([e]) => e)
    expect(
      build([
        ...base,
        ev('strategy', 10, { strategy: 'primary_pci' }),
        ev('transfer_decided', 11, { toFacilityId: 'county' }),
      ]).phase,
    ).toBe('transfer')
  })

  it('an inconclusive read waits for a repeat ECG', () => {
    const base = LADDER.slice(0, 5).map(([e]) => e)
    const inconclusive = [...base, ev('diagnosis', 9, { diagnosis: 'inconclusive' })]
    expect(build(inconclusive).phase).toBe('awaiting_ecg')
    expect(build([...inconclusive, ev('ecg_acquired', 20)]).phase).toBe('awaiting_read')
  })
})
