/**
 * Properties over random event orders (docs/clinical-rules.md, "Working diagnosis", "STEMI
 * clocks", "Outcome"): the advice is non-null only while the latest read is STEMI; no STEMI
 * clock is pending or armed after a not-ACS outcome; a bolus is never accepted while the
 * latest read is aortic dissection, override or not.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { CaseEvent } from './case-model.ts'
import { plan } from './deadlines.ts'
import { DIAGNOSES } from './event-payloads.ts'
import type { EventType } from './event-types.ts'
import { fold } from './fold.ts'
import { step } from './step.ts'
import { adviseStrategy } from './strategy.ts'
import { ACTORS, INFO, NETWORK, t } from './test-support.ts'
import { timersFor } from './timers.ts'
import { workingDiagnosis } from './working-diagnosis.ts'

const STEMI_CLOCKS = new Set(['diagnosis_to_needle', 'door_to_needle', 'fmc_to_wire', 'door_to_wire'])

type Template = { type: EventType; data: Record<string, unknown>; by?: string }
const TEMPLATES: fc.Arbitrary<Template> = fc.oneof(
  fc.constantFrom<Template>(
    { type: 'first_medical_contact', data: { facilityId: 'lantian', arrivalMode: 'walk_in' } },
    { type: 'arrived', data: { facilityId: 'lantian' } },
    { type: 'ecg_acquired', data: {} },
    { type: 'ecg_transmitted', data: { via: 'realtime' } },
    { type: 'strategy', data: { strategy: 'pharmacoinvasive' }, by: 'dr.chen' },
    { type: 'strategy', data: { strategy: 'primary_pci' }, by: 'dr.chen' },
    { type: 'lysis_decision', data: { decision: 'approved' }, by: 'dr.chen' },
    { type: 'lysis_bolus', data: { drug: 'tenecteplase', doseMg: 35, doseFraction: 'full' } },
    {
      type: 'lysis_bolus',
      data: { drug: 'tenecteplase', doseMg: 35, doseFraction: 'full', override: { reason: '坚持' } },
    },
    { type: 'reperfusion_assessment', data: { stResolution: true, painRelief: true }, by: 'dr.chen' },
    { type: 'clinical_status', data: { cardiogenicShock: true } },
    { type: 'transfer_decided', data: { toFacilityId: 'county' } },
    { type: 'departed', data: { facilityId: 'lantian', toFacilityId: 'county' } },
    { type: 'arrived', data: { facilityId: 'county' } },
    { type: 'cath_lab_activated', data: {} },
    { type: 'wire_crossed', data: {}, by: 'dr.chen' },
  ),
  fc
    .constantFrom(...DIAGNOSES)
    .map((diagnosis): Template => ({ type: 'diagnosis', data: { diagnosis }, by: 'dr.chen' })),
)

/** Random events at random minutes (clinical order ≠ recording order), each with its own id. */
const timelines = fc
  .array(fc.tuple(TEMPLATES, fc.integer({ min: 0, max: 600 })), { maxLength: 25 })
  .map((xs) =>
    xs.map(([tpl, m], i): CaseEvent => ({
      id: `p-${i}`,
      caseId: INFO.id,
      type: tpl.type,
      at: t(m),
      recordedAt: t(i),
      by: tpl.by ?? 'lantian',
      data: tpl.data,
    })),
  )

describe('clinical safety properties', () => {
  it('advice is non-null only while the latest read is STEMI (and the case is open)', () => {
    fc.assert(
      fc.property(timelines, fc.integer({ min: 0, max: 700 }), (events, now) => {
        const s = fold(INFO, events, NETWORK)
        if (adviseStrategy(s, NETWORK, t(now)) !== null) {
          expect(workingDiagnosis(s.points)).toBe('stemi')
          expect(s.closed).toBe(false)
        }
      }),
      { numRuns: 400 },
    )
  })

  it('no STEMI clock is pending or armed after a not-ACS outcome', () => {
    fc.assert(
      fc.property(timelines, fc.integer({ min: 0, max: 600 }), (events, outcomeAt) => {
        const closed = [
          ...events,
          {
            id: 'p-outcome',
            caseId: INFO.id,
            type: 'outcome' as const,
            at: t(outcomeAt),
            recordedAt: t(1000),
            by: 'lantian',
            data: { outcome: 'not_acs' },
          },
        ]
        const s = fold(INFO, closed, NETWORK)
        for (const now of [t(outcomeAt), t(outcomeAt + 1), t(2000)]) {
          const clocks = plan(s, NETWORK, now).filter((d) => STEMI_CLOCKS.has(d.rule))
          expect(clocks).toEqual([])
          expect(plan(s, NETWORK, now).filter((d) => d.status === 'pending')).toEqual([])
          expect(timersFor(s, NETWORK, now)).toEqual([])
        }
      }),
      { numRuns: 300 },
    )
  })

  it('a bolus is never accepted while the latest read is aortic dissection', () => {
    fc.assert(
      fc.property(timelines, (events) => {
        let state = fold(INFO, [], NETWORK)
        for (const e of [...events].sort((a, b) => a.at - b.at)) {
          const actor = e.by === 'dr.chen' ? ACTORS.cardiologist : ACTORS.township
          const r = step(state, { ...e, recordedAt: e.at }, actor, NETWORK, e.at)
          if (!r.ok) continue
          if (e.type === 'lysis_bolus') expect(workingDiagnosis(state.points)).not.toBe('aortic_dissection')
          state = r.state
        }
      }),
      { numRuns: 300 },
    )
  })
})
