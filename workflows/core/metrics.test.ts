import { describe, expect, it } from 'vitest'
import type { CaseEvent } from './case-model.ts'
import { METRIC_KEYS, type MetricKey } from './metric-keys.ts'
import { METRICS, metricsOf, withinTarget } from './metrics.ts'
import { build, ev, INFO, NO_ANSWERS, t } from './test-support.ts'

const bolus = (m: number) => ev('lysis_bolus', m, { drug: 'tenecteplase', doseMg: 35, doseFraction: 'full' })

/** A full pharmacoinvasive case with distinct intervals, minutes after T0. */
const full = (): CaseEvent[] => [
  ev('symptom_onset', -50),
  ev('first_medical_contact', 0, { facilityId: 'lantian', arrivalMode: 'walk_in' }),
  ev('arrived', 1, { facilityId: 'lantian' }),
  ev('ecg_acquired', 4),
  ev('ecg_transmitted', 5, { via: 'realtime' }),
  ev('diagnosis', 12, { diagnosis: 'stemi' }, { by: 'dr.chen' }),
  ev('lysis_checklist', 14, {
    answers: NO_ANSWERS,
    weightKg: 65,
    drug: 'tenecteplase',
    doseMg: 35,
    doseFraction: 'full',
  }),
  ev('lysis_decision', 16, { decision: 'approved' }, { by: 'dr.chen' }),
  bolus(20),
  ev('transfer_decided', 22, { toFacilityId: 'county' }),
  ev('departed', 33.5, { facilityId: 'lantian', toFacilityId: 'county' }),
  ev('cath_lab_activated', 60),
  ev('cath_lab_ready', 90),
  ev('reperfusion_assessment', 85, { stResolution: true, painRelief: true }),
  ev('arrived', 112, { facilityId: 'county', bypassedEd: true }),
  ev('wire_crossed', 150),
]

/** The same case on the primary-PCI path (no lysis): the door-to-wire indicators apply. */
const LYSIS_TYPES = new Set(['lysis_checklist', 'lysis_decision', 'lysis_bolus', 'reperfusion_assessment'])
const primary = (): CaseEvent[] => full().filter((e) => !LYSIS_TYPES.has(e.type))

describe('metricsOf', () => {
  it('computes every metric of docs/qa-api.md in minutes', () => {
    const { values, flags } = metricsOf(build(full()))
    expect(values).toEqual({
      onset_to_fmc: 50,
      fmc_to_ecg: 4,
      // First ECG (4) → first confirmed read (12).
      ecg_to_diagnosis: 8,
      door_to_needle: 19,
      diagnosis_to_needle: 8,
      door_in_door_out: 32.5,
      // Primary-PCI indicators are not computed for a lysed patient (docs/clinical-rules.md).
      door_to_wire: null,
      cath_lab_activation: 30,
      fmc_to_wire: null,
      lysis_to_angiography: 130,
      total_ischemic_time: 70,
    } satisfies Record<MetricKey, number | null>)
    expect(flags).toEqual([])
    expect(metricsOf(build(primary())).values).toMatchObject({ door_to_wire: 38, fmc_to_wire: 150 })
  })

  it('rounds to 0.1 min', () => {
    const events = [ev('first_medical_contact', 0, { facilityId: 'lantian' }), ev('ecg_acquired', 10 / 3)]
    expect(metricsOf(build(events)).values.fmc_to_ecg).toBe(3.3)
  })

  const drop = (type: string, facility?: string, base = full) =>
    base().filter((e) => !(e.type === type && (facility === undefined || e.data.facilityId === facility)))

  it.each([
    ['fmc_to_ecg', drop('first_medical_contact')],
    ['door_to_needle', drop('arrived', 'lantian').filter((e) => e.type !== 'first_medical_contact')],
    ['diagnosis_to_needle', drop('diagnosis')],
    ['door_in_door_out', drop('arrived', 'lantian').filter((e) => e.type !== 'first_medical_contact')],
    ['door_to_wire', drop('arrived', 'county', primary)],
    ['cath_lab_activation', drop('cath_lab_activated')],
    ['fmc_to_wire', drop('first_medical_contact', undefined, primary)],
  ] as [MetricKey, CaseEvent[]][])('%s with its start missing → null + missing_time_point', (key, events) => {
    const { values, flags } = metricsOf(build(events, { ...INFO, facilityId: 'longjuan' }))
    expect(values[key]).toBeNull()
    expect(flags).toContainEqual(expect.objectContaining({ code: 'missing_time_point', metric: key }))
  })

  it('a metric with neither point (path not taken) is null without a flag', () => {
    const { values, flags } = metricsOf(build([ev('first_medical_contact', 0, { facilityId: 'lantian' })]))
    for (const k of METRIC_KEYS) expect(values[k]).toBeNull()
    expect(flags).toEqual([])
  })

  const shift = (type: string, m: number, facility?: string, base = full) =>
    base().map((e) =>
      e.type === type && (facility === undefined || e.data.facilityId === facility) ? { ...e, at: t(m) } : e,
    )

  it.each([
    ['onset_to_fmc', shift('symptom_onset', 5)],
    ['fmc_to_ecg', shift('ecg_acquired', -3)],
    ['ecg_to_diagnosis', shift('diagnosis', 3)],
    ['door_to_needle', shift('arrived', 25, 'lantian')],
    ['diagnosis_to_needle', shift('diagnosis', 21)],
    ['door_in_door_out', shift('departed', 0.5)],
    ['door_to_wire', shift('wire_crossed', 100, undefined, primary)],
    ['cath_lab_activation', shift('cath_lab_ready', 59)],
    ['fmc_to_wire', shift('first_medical_contact', 151, undefined, primary)],
    ['lysis_to_angiography', shift('wire_crossed', 19)],
    ['total_ischemic_time', shift('symptom_onset', 30)],
  ] as [MetricKey, CaseEvent[]][])(
    '%s with its end before its start → null + out_of_order',
    (key, events) => {
      const { values, flags } = metricsOf(build(events))
      expect(values[key]).toBeNull()
      expect(flags).toContainEqual(expect.objectContaining({ code: 'out_of_order', metric: key }))
    },
  )

  it('flags implausible intervals but still reports them', () => {
    const events = [ev('symptom_onset', -8 * 1440), ev('first_medical_contact', 0, { facilityId: 'lantian' })]
    const { values, flags } = metricsOf(build(events))
    expect(values.onset_to_fmc).toBe(8 * 1440)
    expect(flags).toContainEqual(
      expect.objectContaining({ code: 'implausible_interval', metric: 'onset_to_fmc' }),
    )
  })

  it('door_in_door_out at a village start counts from FMC', () => {
    const events = [
      ev('first_medical_contact', 0, { facilityId: 'v1' }),
      ev('departed', 24, { facilityId: 'v1', toFacilityId: 'lantian' }),
    ]
    expect(metricsOf(build(events, { ...INFO, facilityId: 'v1' })).values.door_in_door_out).toBe(24)
  })
})

describe('withinTarget', () => {
  it.each([
    ['fmc_to_ecg', 10, true],
    ['fmc_to_ecg', 10.1, false],
    ['door_to_needle', 30, true],
    ['door_to_needle', 31, false],
    ['cath_lab_activation', 29.9, true],
    ['cath_lab_activation', 30, false],
    ['lysis_to_angiography', 119, false],
    ['lysis_to_angiography', 120, true],
    ['lysis_to_angiography', 1440, true],
    ['lysis_to_angiography', 1441, false],
    ['fmc_to_wire', 120, true],
    ['onset_to_fmc', 500, null],
    ['total_ischemic_time', 500, null],
  ] as [MetricKey, number, boolean | null][])('%s %s min → %s', (key, value, expected) => {
    expect(withinTarget(key, value)).toBe(expected)
  })

  it('METRICS lists exactly the keys of docs/qa-api.md with sources', () => {
    expect(METRICS.map((m) => m.key)).toEqual([...METRIC_KEYS])
    for (const m of METRICS) expect(m.source.length).toBeGreaterThan(5)
  })
})

describe('ecg_to_diagnosis: first ECG → first confirmed read', () => {
  it.each([
    { reads: [[10, 'stemi']], value: 8 },
    {
      reads: [
        [6, 'inconclusive'],
        [20, 'stemi'],
      ],
      value: 18,
    },
    {
      reads: [
        [6, 'inconclusive'],
        [20, 'non_cardiac'],
      ],
      value: 18,
    },
    { reads: [[6, 'inconclusive']], value: null },
  ] as { reads: [number, string][]; value: number | null }[])('$reads → $value', ({ reads, value }) => {
    const events = [
      ev('first_medical_contact', 0, { facilityId: 'lantian' }),
      ev('ecg_acquired', 2),
      ev('ecg_transmitted', 3, { via: 'realtime' }),
      ...reads.map(([m, diagnosis]) => ev('diagnosis', m, { diagnosis }, { by: 'dr.chen' })),
    ]
    expect(metricsOf(build(events)).values.ecg_to_diagnosis).toBe(value)
  })
})

describe('cath_lab_activation: "< 30"', () => {
  it.each([
    { ready: 29, within: true },
    { ready: 29.9, within: true },
    { ready: 30, within: false },
  ])('ready at $ready min → within target $within', ({ ready, within }) => {
    const events = [ev('cath_lab_activated', 0), ev('cath_lab_ready', ready)]
    const v = metricsOf(build(events)).values.cath_lab_activation!
    expect(withinTarget('cath_lab_activation', v)).toBe(within)
  })
})
