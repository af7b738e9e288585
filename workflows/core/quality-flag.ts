/**
 * Data-quality flags (docs/qa-api.md, following NCDR registry practice: date-order checks, fields
 * required by the path taken, late and future entries). A flag never blocks care; it is shown
 * to QA and on the case timeline.
 */
import type { Bilingual } from './case-model.ts'
import type { MetricKey } from './metric-keys.ts'

export const QUALITY_FLAG_CODES = [
  'missing_time_point',
  'out_of_order',
  'implausible_interval',
  'future_time',
  'late_entry',
  'corrected',
  'override',
] as const
export type QualityFlagCode = (typeof QUALITY_FLAG_CODES)[number]

export interface QualityFlag {
  code: QualityFlagCode
  metric?: MetricKey
  eventId?: string
  message: Bilingual
}
