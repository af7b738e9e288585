/**
 * The symptom-onset window of fibrinolysis (docs/clinical-rules.md, "Onset window"): onset up
 * to 12 h before the bolus; up to 24 h when ongoing ischaemia or haemodynamic instability was
 * recorded before it (ESC 2023 ACS; CSC 2019 Chinese STEMI guideline). Exactly 12 h is inside.
 */
import type { TimePoints } from './time-points.ts'
import { hours, toMinutes, type Duration, type Instant } from './time.ts'

// ESC 2023 ACS and CSC 2019: fibrinolysis within 12 h of symptom onset.
export const LYSIS_ONSET_WINDOW = hours(12)
// ESC 2023 ACS and CSC 2019: 12–24 h only with ongoing ischaemia or haemodynamic instability.
export const LYSIS_ONSET_WINDOW_EXTENDED = hours(24)

export interface OnsetCheck {
  /** Minutes from symptom onset to `at`. */
  minutesSinceOnset: number
  /** The window that applies: 12 h, or 24 h with ongoing ischaemia or instability. */
  window: Duration
  within: boolean
}

/** The onset check at `at`; null when the onset time is unknown (nothing to check). */
export function onsetCheck(
  p: Pick<TimePoints, 'symptomOnset' | 'ischaemiaOrInstabilityAt'>,
  at: Instant,
): OnsetCheck | null {
  if (p.symptomOnset === null) return null
  const extended = p.ischaemiaOrInstabilityAt !== null && p.ischaemiaOrInstabilityAt <= at
  const window = extended ? LYSIS_ONSET_WINDOW_EXTENDED : LYSIS_ONSET_WINDOW
  const since = at - p.symptomOnset
  return { minutesSinceOnset: toMinutes(since), window, within: since <= window }
}
