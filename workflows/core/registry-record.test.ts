import { describe, expect, it } from 'vitest'
import type { CaseEvent } from './case-model.ts'
import { monthOf } from './calendar.ts'
import { registryRecord } from './registry-record.ts'
import { build, ev, NETWORK, NO_ANSWERS, t, T0 } from './test-support.ts'

const record = (events: CaseEvent[]) => registryRecord(build(events), NETWORK, T0)

/** The Anxi path (README.md): township lysis, transfer, county PCI; minutes after T0. */
const anxi = (): CaseEvent[] => [
  ev('symptom_onset', -50),
  ev('first_medical_contact', 0, { facilityId: 'lantian', arrivalMode: 'walk_in' }),
  ev('arrived', 1, { facilityId: 'lantian' }),
  ev('ecg_acquired', 4),
  ev('ecg_transmitted', 5, { via: 'wechat' }),
  ev('consult_acknowledged', 6, {}, { by: 'dr.chen' }),
  ev('diagnosis', 12, { diagnosis: 'stemi' }, { by: 'dr.chen' }),
  ev('strategy', 13, { strategy: 'pharmacoinvasive' }, { by: 'dr.chen' }),
  ev('lysis_checklist', 14, {
    answers: NO_ANSWERS,
    weightKg: 65,
    drug: 'tenecteplase',
    doseMg: 35,
    doseFraction: 'full',
  }),
  ev('consent_started', 14),
  ev('consent_signed', 17),
  ev('lysis_decision', 16, { decision: 'approved' }, { by: 'dr.chen' }),
  ev('lysis_bolus', 26, { drug: 'tenecteplase', doseMg: 35, doseFraction: 'full' }),
  ev('transfer_decided', 28, { toFacilityId: 'county' }),
  ev('departed', 40, { facilityId: 'lantian', toFacilityId: 'county' }),
  ev('cath_lab_activated', 90),
  ev('reperfusion_assessment', 100, { stResolution: false, painRelief: false }),
  ev('cath_lab_ready', 110),
  ev('arrived', 118, { facilityId: 'county', bypassedEd: true, bypassedCcu: true }),
  ev('wire_crossed', 150),
  ev('outcome', 6000, { outcome: 'discharged_alive' }),
]

describe('registryRecord', () => {
  it('maps every registry time point and accountable facility of the Anxi path', () => {
    const r = record(anxi())
    expect(r).toMatchObject({
      facilityId: 'lantian',
      month: '2022-11-01',
      symptomOnset: t(-50),
      arrivalMode: 'walk_in',
      fmc: t(0),
      fmcFacilityId: 'lantian',
      firstEcg: t(4),
      ecgFacilityId: 'lantian',
      ecgTransmitted: t(5),
      ecgVia: 'wechat',
      consultAcknowledged: t(6),
      diagnosis: 'stemi',
      stemiDiagnosis: t(12),
      strategy: 'pharmacoinvasive',
      referralFacilityId: 'lantian',
      referralDoorIn: t(1),
      transferDecided: t(28),
      referralDoorOut: t(40),
      consentStarted: t(14),
      consentSigned: t(17),
      checklistResult: 'suitable',
      lysisDecision: 'approved',
      lysisFacilityId: 'lantian',
      lysisDoorIn: t(1),
      lysisStart: t(26),
      lysisDrug: 'tenecteplase',
      lysisDoseFraction: 'full',
      reperfusion: false,
      rescuePci: true,
      countyFacilityId: 'county',
      countyDoorIn: t(118),
      bypassedEd: true,
      bypassedCcu: true,
      cathLabActivated: t(90),
      cathLabReady: t(110),
      wire: t(150),
      outcome: 'discharged_alive',
      stemi: true,
      closed: true,
      corrected: false,
      enteredLate: false,
      flaggedMetrics: [],
      completeness: 1,
    })
    // Door-to-wire is a primary-PCI indicator: not computed after lysis (docs/clinical-rules.md).
    expect(r.metrics).toMatchObject({ door_to_needle: 25, door_in_door_out: 39, door_to_wire: null })
  })

  it('applies corrections before anything is derived and says so', () => {
    const events = anxi()
    const bolus = events.find((e) => e.type === 'lysis_bolus')!
    events.push(
      ev('correction', 300, {
        eventId: bolus.id,
        changes: { at: new Date(t(21)).toISOString() },
        reason: 'typo',
      }),
    )
    const r = record(events)
    expect(r.lysisStart).toBe(t(21))
    expect(r.metrics.door_to_needle).toBe(20)
    expect(r.corrected).toBe(true)
    expect(r.flagCodes).toContain('corrected')
  })

  it('flags the metric (not the case) for a missing start or out-of-order times', () => {
    const noActivation = anxi().filter((e) => e.type !== 'cath_lab_activated')
    const r = record(noActivation)
    expect(r.metrics.cath_lab_activation).toBeNull()
    expect(r.flaggedMetrics).toEqual(['cath_lab_activation'])
    expect(r.completeness).toBeLessThan(1)
    const early = anxi().map((e) => (e.type === 'ecg_acquired' ? { ...e, at: t(-60) } : e))
    const o = record(early)
    expect(o.metrics.fmc_to_ecg).toBeNull()
    expect(o.flaggedMetrics).toContain('fmc_to_ecg')
    expect(o.flagCodes).toContain('out_of_order')
  })

  it('marks a late entry and computes a partial completeness for a thin record', () => {
    const late = [
      ev(
        'first_medical_contact',
        0,
        { facilityId: 'v1', arrivalMode: 'walk_in' },
        { recordedAt: t(2 * 1440) },
      ),
      ev('ecg_acquired', 5, {}, { recordedAt: t(2 * 1440) }),
    ]
    const r = record(late)
    expect(r.enteredLate).toBe(true)
    expect(r.ecgFacilityId).toBeNull()
    // onset, FMC, arrival mode, ECG, diagnosis required: FMC, mode and ECG recorded = 3/5.
    expect(r.completeness).toBe(0.6)
  })
})

describe('registry month', () => {
  it('uses China time (UTC+8) for the registry month', () => {
    expect(monthOf(Date.parse('2025-02-28T15:59:59Z'))).toBe('2025-02-01')
    expect(monthOf(Date.parse('2025-02-28T16:00:00Z'))).toBe('2025-03-01')
  })
})
