import { localDate, localDateTime, METRICS, REGISTRY_TIME_ZONE } from '../core/index.ts'
import { isMessageKey, render, type Lang } from '../core/messages/index.ts'
import { POINT_COLUMNS } from '../core/registry-columns.ts'

/** A column's header from the catalogue; a column without one is a defect a unit test catches. */
const header =
  (column: string) =>
  (lang: Lang): string => {
    const key = `csv.${column}`
    return isMessageKey(key) ? render(lang, key) : column
  }

export interface CsvColumn {
  key: string
  /** The header in a language, from the message catalogue (`csv.<column>`, `metric.<key>`). */
  label: (lang: Lang) => string
  kind: 'ts' | 'text' | 'bool' | 'num' | 'uuid' | 'facility' | 'list'
}

/** Every export column in order: identity, registry time points, metrics of docs/qa-api.md, data quality. */
export const CSV_COLUMNS: readonly CsvColumn[] = [
  { key: 'case_id', label: header('case_id'), kind: 'uuid' },
  { key: 'facility_id', label: header('facility_id'), kind: 'facility' },
  { key: 'month', label: header('month'), kind: 'text' },
  ...POINT_COLUMNS.map((c) => ({
    key: c.column,
    label: header(c.column),
    kind: c.kind === 'uuid' ? ('facility' as const) : c.kind,
  })),
  ...METRICS.map((m) => ({
    key: m.key,
    label: (lang: Lang) => render(lang, `csv.metric.${m.key}`),
    kind: 'num' as const,
  })),
  { key: 'flag_codes', label: header('flag_codes'), kind: 'list' },
  { key: 'completeness', label: header('completeness'), kind: 'num' },
]

/**
 * A cell a spreadsheet (Excel, WPS) would run as a formula — leading `= + - @`, tab or CR, e.g.
 * `=HYPERLINK(…)` typed into a drug field — is prefixed with `'` so it stays text (OWASP "CSV
 * injection"). Plain numbers (a negative interval) stay numbers.
 */
export const neutraliseFormula = (s: string): string =>
  /^[=+\-@\t\r]/.test(s) && !/^[+-]?\d+(\.\d+)?$/.test(s) ? `'${s}` : s

/** RFC 4180: quote when the field holds a comma, quote, CR or LF; double inner quotes. Formulas neutralised. */
export const csvField = (raw: string): string => {
  const s = neutraliseFormula(raw)
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

/**
 * One CSV line (CRLF-terminated) of a `case_metrics` row. Times are `YYYY-MM-DD HH:mm:ss` (what
 * the registry form expects) in `timeZone`, the network's own setting (Asia/Shanghai by default).
 */
export function csvLine(
  row: Record<string, unknown>,
  facilityName: (id: string) => string,
  timeZone: string = REGISTRY_TIME_ZONE,
): string {
  return (
    CSV_COLUMNS.map((c) => {
      const v = row[c.key]
      if (v === null || v === undefined) return ''
      const text =
        typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : ''
      switch (c.kind) {
        case 'ts':
          return v instanceof Date ? localDateTime(v.getTime(), timeZone) : csvField(text)
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

/** The header line; `zh` / `en` as the export's `header` query parameter names them. */
export const csvHeader = (lang: 'zh' | 'en'): string =>
  CSV_COLUMNS.map((c) => csvField(c.label(lang === 'zh' ? 'zh-CN' : 'en'))).join(',') + '\r\n'

/**
 * The export's file name for the period [from, to): its first and last day in the network's
 * time zone, e.g. January–December 2026 → `xinlian-cases-2026-01-01-2026-12-31.csv`.
 */
export function exportFileName(from: Date, to: Date, timeZone: string): string {
  // `to` is exclusive: the last day of the period is the one holding the instant just before it.
  return `xinlian-cases-${localDate(from.getTime(), timeZone)}-${localDate(to.getTime() - 1, timeZone)}.csv`
}
