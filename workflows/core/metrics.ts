/**
 * QA metrics of docs/qa-api.md: minutes between two time points of one case, computed from
 * corrected events. A metric whose points are missing or whose end precedes its start is
 * null and raises a data-quality flag instead of a misleading number.
 */
import type { Bilingual } from './case-model.ts'
import { METRIC_KEYS, type MetricKey } from './metric-keys.ts'
import type { QualityFlag } from './quality-flag.ts'
import { doorIn, type TimePoints } from './time-points.ts'
import { toMinutes, type Instant } from './time.ts'

export interface MetricTarget {
  max?: number
  min?: number
  /** `max` itself is outside the target (cath lab activation "< 30"). */
  strictMax?: boolean
}

export interface MetricDefinition {
  key: MetricKey
  title: Bilingual
  target: MetricTarget | null
  source: string
}

/** The metric table (docs/qa-api.md); targets in minutes. */
export const METRICS: readonly MetricDefinition[] = [
  {
    key: 'onset_to_fmc',
    title: { zh: '发病至首次医疗接触', en: 'Symptom onset to FMC' },
    target: null,
    source: 'report only (docs/qa-api.md); national CPC data platform',
  },
  {
    key: 'fmc_to_ecg',
    title: { zh: '首次医疗接触至首份心电图', en: 'FMC to first ECG' },
    target: { max: 10 },
    source: 'China CPC accreditation standard; ESC 2023 ACS: ECG ≤ 10 min of FMC',
  },
  {
    key: 'ecg_to_diagnosis',
    title: { zh: '首份心电图至确诊', en: 'First ECG to confirmed diagnosis' },
    target: { max: 10 },
    source:
      'China CPC accreditation standard: first ECG to ECG diagnosis (首份心电图至心电图确诊) ≤ 10 min; an inconclusive read does not confirm',
  },
  {
    key: 'door_to_needle',
    title: { zh: '进门至溶栓', en: 'Door to needle' },
    target: { max: 30 },
    source: 'China CPC accreditation standard; ESC 2023 ACS: D2N ≤ 30 min',
  },
  {
    key: 'diagnosis_to_needle',
    title: { zh: '确诊至溶栓', en: 'Diagnosis to needle' },
    target: { max: 10 },
    source: 'ESC 2023 ACS: fibrinolytic bolus ≤ 10 min after STEMI diagnosis',
  },
  {
    key: 'door_in_door_out',
    title: { zh: '进门至出门(转运)', en: 'Door-in door-out' },
    target: { max: 30 },
    source: 'China CPC accreditation standard; ACC/AHA: DIDO ≤ 30 min',
  },
  {
    key: 'door_to_wire',
    title: { zh: '进门至导丝通过', en: 'Door to wire (county)' },
    target: { max: 60 },
    source:
      "Xinlian's own target (60 min), primary PCI only; the China CPC accreditation standard asks door-to-balloon ≤ 90 min",
  },
  {
    key: 'cath_lab_activation',
    title: { zh: '导管室激活至就绪', en: 'Cath lab activation to ready' },
    target: { max: 30, strictMax: true },
    source: 'China CPC accreditation standard: cath lab team in place < 30 min',
  },
  {
    key: 'fmc_to_wire',
    title: { zh: '首次医疗接触至导丝通过', en: 'FMC to wire' },
    target: { max: 120 },
    source: 'ACC/AHA STEMI guideline: FMC-to-device ≤ 120 min (transfer), primary PCI only',
  },
  {
    key: 'lysis_to_angiography',
    title: { zh: '溶栓至造影', en: 'Lysis to angiography' },
    target: { min: 120, max: 1440 },
    source: 'ESC 2023 ACS: angiography 2–24 h after successful fibrinolysis',
  },
  {
    key: 'total_ischemic_time',
    title: { zh: '总缺血时间', en: 'Total ischaemic time' },
    target: null,
    source: 'report only (docs/qa-api.md); ESC 2023 ACS',
  },
]

interface Measure {
  start: (p: TimePoints) => Instant | null
  end: (p: TimePoints) => Instant | null
  /** Flag a missing start when the end exists: the path taken requires it. */
  startRequired: boolean
  /** Above this many minutes the interval is implausible (likely a date typo); still reported, flagged. */
  implausibleAbove: number
}

// Thresholds for "implausible": onset-based intervals up to 7 days (late presenters exist);
// in-hospital intervals 48 h; post-lysis angiography 30 days (delayed angiography is legitimate).
const DAYS_7 = 7 * 1440
const HOURS_48 = 48 * 60

const firstDepartureFromNonPci = (p: TimePoints) => p.departures.find((d) => !d.fromPciCenter) ?? null

const MEASURES: Record<MetricKey, Measure> = {
  onset_to_fmc: {
    start: (p) => p.symptomOnset,
    end: (p) => p.fmc,
    startRequired: false,
    implausibleAbove: DAYS_7,
  },
  fmc_to_ecg: {
    start: (p) => p.fmc,
    end: (p) => p.firstEcg,
    startRequired: true,
    implausibleAbove: HOURS_48,
  },
  // First ECG → first confirmed (non-inconclusive) read (docs/clinical-rules.md, "Metrics").
  ecg_to_diagnosis: {
    start: (p) => p.firstEcg,
    end: (p) => p.diagnoses.find((d) => d.diagnosis !== 'inconclusive')?.at ?? null,
    startRequired: true,
    implausibleAbove: HOURS_48,
  },
  door_to_needle: {
    start: (p) => (p.bolus ? doorIn(p, p.bolus.facilityId) : null),
    end: (p) => p.bolus?.at ?? null,
    startRequired: true,
    implausibleAbove: HOURS_48,
  },
  diagnosis_to_needle: {
    start: (p) => p.firstStemiDiagnosis,
    end: (p) => p.bolus?.at ?? null,
    startRequired: true,
    implausibleAbove: HOURS_48,
  },
  door_in_door_out: {
    start: (p) => {
      const d = firstDepartureFromNonPci(p)
      return d ? doorIn(p, d.facilityId) : null
    },
    end: (p) => firstDepartureFromNonPci(p)?.at ?? null,
    startRequired: true,
    implausibleAbove: HOURS_48,
  },
  // Primary-PCI indicators only: a lysed patient's wire is judged as angiography after lysis
  // (docs/clinical-rules.md, "Angiography after lysis").
  door_to_wire: {
    start: (p) => (p.bolus === null ? p.countyArrival : null),
    end: (p) => (p.bolus === null ? p.wire : null),
    startRequired: true,
    implausibleAbove: HOURS_48,
  },
  cath_lab_activation: {
    start: (p) => p.cathLabActivated,
    end: (p) => p.cathLabReady,
    startRequired: true,
    implausibleAbove: HOURS_48,
  },
  fmc_to_wire: {
    start: (p) => (p.bolus === null ? p.fmc : null),
    end: (p) => (p.bolus === null ? p.wire : null),
    startRequired: true,
    implausibleAbove: DAYS_7,
  },
  // Primary PCI has a wire and no bolus: not applicable, no flag. A rescue PCI after failed
  // lysis is not routine angiography 2–24 h.
  lysis_to_angiography: {
    start: (p) => (p.lysisFailedAt === null ? (p.bolus?.at ?? null) : null),
    end: (p) => p.wire,
    startRequired: false,
    implausibleAbove: 30 * 1440,
  },
  total_ischemic_time: {
    start: (p) => p.symptomOnset,
    end: (p) => {
      const ends = [p.bolus?.at, p.wire ?? undefined].filter((t): t is number => t !== undefined)
      return ends.length > 0 ? Math.min(...ends) : null
    },
    startRequired: false,
    implausibleAbove: DAYS_7,
  },
}

const titleOf = (key: MetricKey): Bilingual =>
  METRICS.find((m) => m.key === key)?.title ?? { zh: key, en: key }

/**
 * Every metric (docs/qa-api.md) of one case in minutes (0.1 min precision), plus the data-quality
 * flags the metrics raise: `missing_time_point` (end recorded, required start missing),
 * `out_of_order` (end before start → null) and `implausible_interval` (value kept, flagged).
 */
export function metricsOf(state: { points: TimePoints }): {
  values: Record<MetricKey, number | null>
  flags: QualityFlag[]
} {
  const p = state.points
  const values = {} as Record<MetricKey, number | null>
  const flags: QualityFlag[] = []
  for (const key of METRIC_KEYS) {
    const m = MEASURES[key]
    const start = m.start(p)
    const end = m.end(p)
    values[key] = null
    const t = titleOf(key)
    if (end !== null && start === null) {
      if (m.startRequired)
        flags.push({
          code: 'missing_time_point',
          metric: key,
          message: { zh: `${t.zh}:缺少起始时间点`, en: `${t.en}: the starting time point is missing` },
        })
      continue
    }
    if (start === null || end === null) continue
    if (end < start) {
      flags.push({
        code: 'out_of_order',
        metric: key,
        message: { zh: `${t.zh}:结束时间早于开始时间`, en: `${t.en}: the end time precedes the start time` },
      })
      continue
    }
    const value = toMinutes(end - start)
    values[key] = value
    if (value > m.implausibleAbove)
      flags.push({
        code: 'implausible_interval',
        metric: key,
        message: {
          zh: `${t.zh}:${value} 分钟,请核对日期`,
          en: `${t.en}: ${value} min, please check the dates`,
        },
      })
  }
  return { values, flags }
}

/** Whether a value is within its target (docs/qa-api.md); null for report-only metrics. */
export function withinTarget(key: MetricKey, minutesValue: number): boolean | null {
  const target = METRICS.find((m) => m.key === key)?.target ?? null
  if (target === null) return null
  if (target.min !== undefined && minutesValue < target.min) return false
  if (target.max !== undefined)
    return target.strictMax === true ? minutesValue < target.max : minutesValue <= target.max
  return true
}
