/** What the QA screens share: the aggregate rows of `/api/metrics` and how they are written. */
import type { MetricKey, MetricTarget } from '../../../../workflows/core/index.ts'
import { t, type KeyOf } from '../../i18n/index.ts'

/** The core's target (workflows/core/metrics.ts): `strictMax` means `max` itself misses. */
export type Target = MetricTarget
export interface MetricRow {
  key: MetricKey
  group: string
  n: number
  median: number | null
  p90: number | null
  withinTarget: number | null
  target: Target | null
  outsideTarget: { count: number; caseIds: string[] }
  flagged: { count: number; caseIds: string[] }
}
export interface RateRow {
  key: KeyOf<'rate'>
  group: string
  numerator: number
  denominator: number
  rate: number | null
  target: number | null
}
export interface Metrics {
  metrics: MetricRow[]
  rates: RateRow[]
  /** Cath lab activations per month and how many were false (docs/ambulance.md). */
  activations?: { month: string; activations: number; falseActivations: number }[]
}

export const pad = (n: number) => String(n).padStart(2, '0')
export const ym = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}`
/** 'YYYY-MM' → the first day of the month after, as the exclusive `to`. */
export const after = (m: string) => {
  const [y, mo] = m.split('-').map(Number) as [number, number]
  return mo === 12 ? `${y + 1}-01-01` : `${y}-${pad(mo + 1)}-01`
}
export const pct = (v: number | null) => (v === null ? '—' : `${Math.round(v * 100)}%`)
export const targetText = (tg: Target | null) =>
  !tg
    ? t('qa.reportOnly')
    : tg.min !== undefined && tg.max !== undefined
      ? t('qa.target.range', { min: tg.min, max: tg.max })
      : tg.max !== undefined
        ? t(tg.strictMax ? 'qa.target.below' : 'qa.target.atMost', { n: tg.max })
        : t('qa.target.atLeast', { n: tg.min ?? 0 })
export const targetLine = (tg: Target | null) => tg?.max ?? null

/** The first days ('YYYY-MM-01') of the months from `from` to `to` ('YYYY-MM'), at most 61. */
export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = []
  let [y, m] = from.split('-').map(Number) as [number, number]
  const [ty, tm] = to.split('-').map(Number) as [number, number]
  while ((y < ty || (y === ty && m <= tm)) && out.length < 61) {
    out.push(`${y}-${pad(m)}-01`)
    m++
    if (m > 12) {
      m = 1
      y++
    }
  }
  return out
}
