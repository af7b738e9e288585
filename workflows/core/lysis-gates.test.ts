/**
 * The safety gates of a bolus and the advice, table-driven at their boundaries
 * (docs/clinical-rules.md, "Working diagnosis" and "Safety gates").
 */
import { describe, expect, it } from 'vitest'
import type { CaseEvent } from './case-model.ts'
import { step } from './step.ts'
import { adviseStrategy } from './strategy.ts'
import { ACTORS, build, ev, INFO, NETWORK, NO_ANSWERS, t, townshipStart } from './test-support.ts'

const bolus = (m = 15, data: Record<string, unknown> = {}) =>
  ev('lysis_bolus', m, { drug: 'tenecteplase', doseMg: 35, doseFraction: 'full', ...data })
const override = { override: { reason: '主任电话同意' } }
const read = (m: number, diagnosis: string) => ev('diagnosis', m, { diagnosis }, { by: 'dr.chen' })
const approved = () => ev('lysis_decision', 10, { decision: 'approved' }, { by: 'dr.chen' })

const gate = (before: CaseEvent[], e: CaseEvent) => step(build(before), e, ACTORS.township, NETWORK, e.at)

describe('working diagnosis: the bolus gate', () => {
  const CASES: {
    name: string
    reads: [number, string][]
    reason: string | null
    overridable: boolean
  }[] = [
    { name: 'STEMI', reads: [[6, 'stemi']], reason: null, overridable: true },
    { name: 'no read at all', reads: [], reason: 'not_stemi', overridable: true },
    {
      name: 'STEMI revised to pericarditis (other_cardiac)',
      reads: [
        [6, 'stemi'],
        [9, 'other_cardiac'],
      ],
      reason: 'not_stemi',
      overridable: true,
    },
    {
      name: 'STEMI revised to inconclusive',
      reads: [
        [6, 'stemi'],
        [9, 'inconclusive'],
      ],
      reason: 'not_stemi',
      overridable: true,
    },
    {
      name: 'STEMI revised to aortic dissection',
      reads: [
        [6, 'stemi'],
        [9, 'aortic_dissection'],
      ],
      reason: 'aortic_dissection_read',
      overridable: false,
    },
    {
      name: 'aortic dissection, then STEMI re-confirmed',
      reads: [
        [6, 'aortic_dissection'],
        [9, 'stemi'],
      ],
      reason: 'aortic_dissection_earlier_read',
      overridable: true,
    },
    {
      name: 'NSTEMI re-read as STEMI',
      reads: [
        [6, 'nstemi'],
        [9, 'stemi'],
      ],
      reason: null,
      overridable: true,
    },
  ]
  it.each(CASES)('$name → $reason', (c) => {
    const before = [...townshipStart(), ...c.reads.map(([m, d]) => read(m, d)), approved()]
    const r = gate(before, bolus())
    if (c.reason === null) expect(r.ok).toBe(true)
    else expect(r).toMatchObject({ ok: false, problem: { status: 409, code: c.reason } })
    const withOverride = gate(before, bolus(15, override))
    expect(withOverride.ok).toBe(c.overridable)
  })

  it('an override is flagged for QA', () => {
    const before = [...townshipStart(), read(6, 'stemi'), read(9, 'other_cardiac'), approved()]
    const e = bolus(15, override)
    const r = gate(before, e)
    if (!r.ok) throw new Error(r.problem.code)
    expect(r.state.flags).toContainEqual(expect.objectContaining({ code: 'override', eventId: e.id }))
  })

  it('a correction of the read to aortic dissection counts (correction-aware)', () => {
    const stemi = read(6, 'stemi')
    const before = [
      ...townshipStart(),
      stemi,
      approved(),
      ev('correction', 11, { eventId: stemi.id, changes: { diagnosis: 'aortic_dissection' }, reason: 'CT' }),
    ]
    expect(gate(before, bolus(15, override))).toMatchObject({
      ok: false,
      problem: { code: 'aortic_dissection_read' },
    })
  })

  it('a correction must pass the same gates: moving a bolus after a dissection read is refused', () => {
    const b = bolus(8)
    const before = [...townshipStart(), read(6, 'stemi'), approved(), b, read(12, 'aortic_dissection')]
    // Moving the bolus to 13 min puts it after the dissection read.
    const c = ev('correction', 20, {
      eventId: b.id,
      changes: { at: '2022-11-26T13:13:00+08:00' },
      reason: '时间录错',
    })
    expect(gate(before, c)).toMatchObject({ ok: false, problem: { code: 'aortic_dissection_read' } })
  })
})

describe('working diagnosis: the advice', () => {
  const adviceAfter = (reads: [number, string][]) => {
    const s = build([...townshipStart(), ...reads.map(([m, d]) => read(m, d))])
    return adviseStrategy(s, NETWORK, t(12))
  }
  it.each([
    { reads: [[6, 'stemi']] as [number, string][], advised: true },
    {
      reads: [
        [6, 'stemi'],
        [9, 'aortic_dissection'],
      ] as [number, string][],
      advised: false,
    },
    {
      reads: [
        [6, 'stemi'],
        [9, 'non_cardiac'],
      ] as [number, string][],
      advised: false,
    },
    {
      reads: [
        [6, 'inconclusive'],
        [9, 'stemi'],
      ] as [number, string][],
      advised: true,
    },
    {
      reads: [
        [6, 'stemi'],
        [9, 'inconclusive'],
      ] as [number, string][],
      advised: false,
    },
  ])('$reads → advice $advised', ({ reads, advised }) => {
    expect(adviceAfter(reads) !== null).toBe(advised)
  })

  it('no advice once the case is closed', () => {
    const s = build([...townshipStart(), read(6, 'stemi'), ev('outcome', 10, { outcome: 'died' })])
    expect(adviseStrategy(s, NETWORK, t(12))).toBeNull()
  })
})

describe('dose check: a bolus above the suggestion for weight and age', () => {
  const patientCase = (age: number, weightKg: number | null) => {
    const info = { ...INFO, patient: { sex: 'male' as const, age, weightKg } }
    return build([...townshipStart(), read(6, 'stemi'), approved()], info)
  }
  // Weight edges of the tenecteplase bands and the age-75 half-dose boundary.
  it.each([
    { age: 74, kg: 59.9, dose: 30, ok: true },
    { age: 74, kg: 59.9, dose: 35, ok: false },
    { age: 74, kg: 60, dose: 35, ok: true },
    { age: 74, kg: 69.9, dose: 40, ok: false },
    { age: 74, kg: 70, dose: 40, ok: true },
    { age: 74, kg: 79.9, dose: 45, ok: false },
    { age: 74, kg: 80, dose: 45, ok: true },
    { age: 74, kg: 89.9, dose: 50, ok: false },
    { age: 74, kg: 90, dose: 50, ok: true },
    { age: 74, kg: 65, dose: 30, ok: true },
    { age: 75, kg: 65, dose: 35, ok: false },
    { age: 75, kg: 65, dose: 17.5, ok: true },
    { age: 80, kg: 65, dose: 35, ok: false },
    { age: 80, kg: 90, dose: 25, ok: true },
    { age: 80, kg: 90, dose: 25.5, ok: false },
    // Unknown weight: checked against the top band (halved at ≥ 75).
    { age: 60, kg: null, dose: 50, ok: true },
    { age: 80, kg: null, dose: 35, ok: false },
    { age: 80, kg: null, dose: 25, ok: true },
  ])('age $age, $kg kg, tenecteplase $dose mg → allowed $ok', ({ age, kg, dose, ok }) => {
    const e = bolus(15, { doseMg: dose, doseFraction: dose < 30 ? 'half' : 'full' })
    const r = step(patientCase(age, kg), e, ACTORS.township, NETWORK, e.at)
    if (ok) expect(r.ok).toBe(true)
    else
      expect(r).toMatchObject({
        ok: false,
        problem: { status: 409, code: 'dose_above_suggested', field: 'doseMg' },
      })
    const overridden = { ...e, data: { ...e.data, ...override } }
    expect(step(patientCase(age, kg), overridden, ACTORS.township, NETWORK, e.at).ok).toBe(true)
  })

  it('the checklist weight is used over the case weight', () => {
    const s = build(
      [
        ...townshipStart(),
        read(6, 'stemi'),
        ev('lysis_checklist', 8, {
          answers: NO_ANSWERS,
          weightKg: 55,
          drug: 'tenecteplase',
          doseMg: 30,
          doseFraction: 'full',
        }),
        approved(),
      ],
      { ...INFO, patient: { sex: 'male', age: 58, weightKg: 95 } },
    )
    const e = bolus(15, { doseMg: 50 })
    expect(step(s, e, ACTORS.township, NETWORK, e.at)).toMatchObject({
      problem: { code: 'dose_above_suggested' },
    })
  })

  it.each([
    { dose: 16, ok: true },
    { dose: 18, ok: false },
  ])('rhTNK-tPA $dose mg (fixed 16 mg) → allowed $ok', ({ dose, ok }) => {
    const s = build([...townshipStart(), read(6, 'stemi'), approved()])
    const e = bolus(15, { drug: 'rhTNK-tPA', doseMg: dose })
    expect(step(s, e, ACTORS.township, NETWORK, e.at).ok).toBe(ok)
  })
})

describe('onset window: > 12 h refused unless ongoing ischaemia or instability (then ≤ 24 h)', () => {
  const BOLUS_AT = 15
  const withOnset = (hoursBefore: number, status: Record<string, unknown> | null, statusAt = 10) => [
    ev('symptom_onset', BOLUS_AT - hoursBefore * 60),
    ...townshipStart(),
    ...(status ? [ev('clinical_status', statusAt, status)] : []),
    read(6, 'stemi'),
    approved(),
  ]
  const H = (h: number, m: number) => h + m / 60
  it.each([
    { onset: H(11, 59), status: null, ok: true },
    { onset: H(12, 0), status: null, ok: true },
    { onset: H(12, 1), status: null, ok: false },
    { onset: H(12, 1), status: { ongoingIschaemia: true }, ok: true },
    { onset: H(12, 1), status: { haemodynamicInstability: true }, ok: true },
    { onset: H(12, 1), status: { cardiogenicShock: true }, ok: true },
    { onset: H(12, 1), status: { ongoingIschaemia: false }, ok: false },
    { onset: H(23, 59), status: { ongoingIschaemia: true }, ok: true },
    { onset: H(24, 0), status: { ongoingIschaemia: true }, ok: true },
    { onset: H(24, 1), status: { ongoingIschaemia: true }, ok: false },
  ])('onset $onset h before, status $status → allowed $ok', ({ onset, status, ok }) => {
    const e = bolus(BOLUS_AT)
    const r = gate(withOnset(onset, status), e)
    if (ok) expect(r.ok).toBe(true)
    else expect(r).toMatchObject({ ok: false, problem: { status: 409, code: 'onset_window', field: 'at' } })
    expect(gate(withOnset(onset, status), bolus(BOLUS_AT, override)).ok).toBe(true)
  })

  it('ischaemia recorded only after the bolus does not open the 24 h window', () => {
    const events = withOnset(13, { ongoingIschaemia: true }, 20)
    expect(gate(events, bolus(BOLUS_AT))).toMatchObject({ problem: { code: 'onset_window' } })
  })

  it.each([
    { onset: H(12, 0), status: null, result: 'suitable', indications: [] },
    { onset: H(12, 1), status: null, result: 'unsuitable', indications: ['onset_over_12h'] },
    { onset: H(12, 1), status: { ongoingIschaemia: true }, result: 'suitable', indications: [] },
    {
      onset: H(24, 1),
      status: { ongoingIschaemia: true },
      result: 'unsuitable',
      indications: ['onset_over_24h'],
    },
  ])(
    'the screening shows it: onset $onset h, status $status → $result',
    ({ onset, status, result, indications }) => {
      const s = build([
        ...withOnset(onset, status),
        ev('lysis_checklist', BOLUS_AT, {
          answers: NO_ANSWERS,
          weightKg: 65,
          drug: 'tenecteplase',
          doseMg: 35,
          doseFraction: 'full',
        }),
      ])
      expect(s.points.checklist).toMatchObject({ result, indications, absolute: [] })
    },
  )
})

describe('shock and arrest: primary PCI regardless of delay', () => {
  // A township 150 min from the county: without shock the advice is to lyse here.
  const FAR: typeof NETWORK = {
    ...NETWORK,
    travel: NETWORK.travel.map((x) => (x.from === 'lantian' ? { ...x, minutes: 150 } : x)),
  }
  const adviceWith = (status: Record<string, unknown> | null) => {
    const s = build([
      ...townshipStart(),
      ...(status ? [ev('clinical_status', 4, status)] : []),
      read(6, 'stemi'),
    ])
    return adviseStrategy(s, FAR, t(7))?.advice
  }
  it.each([
    { status: null, advice: 'pharmacoinvasive' },
    { status: { killipClass: 3 }, advice: 'pharmacoinvasive' },
    { status: { killipClass: 4 }, advice: 'primary_pci' },
    { status: { cardiogenicShock: true }, advice: 'primary_pci' },
    { status: { cardiacArrest: true }, advice: 'primary_pci' },
  ])('$status → $advice', ({ status, advice }) => {
    expect(adviceWith(status)).toBe(advice)
  })
})
