import { METRICS, type Bilingual } from '../core/index.ts'
import { POINT_COLUMNS } from './store/case-metrics.ts'

/** Column labels of the registry export (national CPC data platform wording in Chinese). */
const POINT_LABELS: Record<string, Bilingual> = {
  symptom_onset: { zh: '发病时间', en: 'Symptom onset' },
  onset_approximate: { zh: '发病时间为估计', en: 'Onset approximate' },
  arrival_mode: { zh: '来院方式', en: 'Arrival mode' },
  fmc: { zh: '首次医疗接触时间', en: 'First medical contact' },
  fmc_facility_id: { zh: '首次医疗接触机构', en: 'FMC facility' },
  first_ecg: { zh: '首份心电图时间', en: 'First ECG' },
  ecg_facility_id: { zh: '心电图传输机构', en: 'ECG transmitting facility' },
  ecg_transmitted: { zh: '心电图传输时间(会诊申请)', en: 'ECG transmitted (consult requested)' },
  ecg_via: { zh: '传输方式', en: 'Transmitted via' },
  consult_acknowledged: { zh: '会诊响应时间', en: 'Consult acknowledged' },
  first_diagnosis: { zh: '首次诊断时间', en: 'First diagnosis' },
  diagnosis: { zh: '诊断', en: 'Diagnosis' },
  stemi_diagnosis: { zh: 'STEMI 确诊时间', en: 'STEMI diagnosis' },
  strategy: { zh: '再灌注策略', en: 'Reperfusion strategy' },
  referral_facility_id: { zh: '转出医院', en: 'Referring hospital' },
  referral_door_in: { zh: '转出医院入门时间', en: 'Referring hospital door-in' },
  transfer_decided: { zh: '决定转院时间', en: 'Transfer decision' },
  referral_door_out: { zh: '转出医院出门时间', en: 'Referring hospital door-out' },
  consent_started: { zh: '开始知情同意时间', en: 'Consent started' },
  consent_signed: { zh: '签署知情同意书时间', en: 'Consent signed' },
  checklist_result: { zh: '溶栓筛查结果', en: 'Lysis screening result' },
  lysis_decision: { zh: '溶栓决定', en: 'Lysis decision' },
  lysis_facility_id: { zh: '溶栓机构', en: 'Lysing facility' },
  lysis_door_in: { zh: '溶栓机构入门时间', en: 'Lysing facility door-in' },
  lysis_start: { zh: '开始溶栓时间', en: 'Lysis start (needle)' },
  lysis_end: { zh: '溶栓结束时间', en: 'Lysis end' },
  lysis_drug: { zh: '溶栓药物', en: 'Fibrinolytic' },
  lysis_dose_mg: { zh: '剂量(mg)', en: 'Dose (mg)' },
  lysis_dose_fraction: { zh: '全量/半量', en: 'Full/half dose' },
  reperfusion_at: { zh: '再灌注评估时间', en: 'Reperfusion assessed' },
  reperfusion: { zh: '溶栓再通', en: 'Reperfusion (ST resolution)' },
  rescue_pci: { zh: '补救性PCI', en: 'Rescue PCI' },
  county_facility_id: { zh: 'PCI 医院', en: 'PCI hospital' },
  county_door_in: { zh: 'PCI 医院入门时间', en: 'PCI hospital door-in' },
  bypassed_ed: { zh: '绕行急诊', en: 'Bypassed ED' },
  bypassed_ccu: { zh: '绕行CCU', en: 'Bypassed CCU' },
  cath_lab_activated: { zh: '启动导管室时间', en: 'Cath lab activated' },
  cath_lab_ready: { zh: '导管室激活(就位)时间', en: 'Cath lab ready' },
  wire: { zh: '导丝通过时间', en: 'Wire crossing' },
  outcome: { zh: '转归', en: 'Outcome' },
  outcome_at: { zh: '转归时间', en: 'Outcome time' },
}

export interface CsvColumn {
  key: string
  label: Bilingual
  kind: 'ts' | 'text' | 'bool' | 'num' | 'uuid' | 'facility' | 'list'
}

/** Every export column in order: identity, registry time points, SPEC §5 metrics, data quality. */
export const CSV_COLUMNS: readonly CsvColumn[] = [
  { key: 'case_id', label: { zh: '病例编号', en: 'Case id' }, kind: 'uuid' },
  { key: 'facility_id', label: { zh: '首诊机构', en: 'Facility of first contact' }, kind: 'facility' },
  { key: 'month', label: { zh: '月份', en: 'Month' }, kind: 'text' },
  ...POINT_COLUMNS.map((c) => ({
    key: c.column,
    label: POINT_LABELS[c.column] ?? { zh: c.column, en: c.column },
    kind: c.kind === 'uuid' ? ('facility' as const) : c.kind,
  })),
  ...METRICS.map((m) => ({
    key: m.key,
    label: { zh: `${m.title.zh}(分钟)`, en: `${m.title.en} (min)` },
    kind: 'num' as const,
  })),
  { key: 'flag_codes', label: { zh: '质控标记', en: 'Data-quality flags' }, kind: 'list' },
  { key: 'completeness', label: { zh: '完整度', en: 'Completeness' }, kind: 'num' },
]

/** RFC 4180: quote when the field holds a comma, quote, CR or LF; double inner quotes. */
export const csvField = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s)

/** `YYYY-MM-DD HH:mm:ss` in China time (what the registry form expects; no DST in China). */
export const chinaTime = (d: Date): string =>
  new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ')

/** One CSV line (CRLF-terminated) of a `case_metrics` row. */
export function csvLine(row: Record<string, unknown>, facilityName: (id: string) => string): string {
  return (
    CSV_COLUMNS.map((c) => {
      const v = row[c.key]
      if (v === null || v === undefined) return ''
      const text =
        typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : ''
      switch (c.kind) {
        case 'ts':
          return v instanceof Date ? chinaTime(v) : csvField(text)
        case 'facility':
          return csvField(facilityName(text))
        case 'list':
          return csvField(Array.isArray(v) ? (v as string[]).join(';') : text)
        case 'bool':
          return v === true ? '1' : '0'
        case 'num':
        case 'text':
        case 'uuid':
          return csvField(v instanceof Date ? v.toISOString().slice(0, 10) : text)
      }
    }).join(',') + '\r\n'
  )
}

export const csvHeader = (lang: 'zh' | 'en'): string =>
  CSV_COLUMNS.map((c) => csvField(c.label[lang])).join(',') + '\r\n'

/** yyyy-MM-dd of `t` on the wall clock of `timeZone` (Intl: no offset arithmetic by hand). */
function dayIn(t: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(t)
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  return `${get('year')}-${get('month')}-${get('day')}`
}

/**
 * The export's file name for the period [from, to): its first and last day in the network's
 * time zone, e.g. January–December 2026 → `xinlian-cases-2026-01-01-2026-12-31.csv`.
 */
export function exportFileName(from: Date, to: Date, timeZone: string): string {
  // `to` is exclusive: the last day of the period is the one holding the instant just before it.
  const last = new Date(to.getTime() - 1)
  return `xinlian-cases-${dayIn(from, timeZone)}-${dayIn(last, timeZone)}.csv`
}
