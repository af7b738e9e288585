/**
 * False cath lab activations for QA (docs/ambulance.md): the team was activated, then the
 * working diagnosis is not STEMI, or the case closed without a wire crossing (no angiography
 * with reperfusion). Counted per month of activation (China time, as the registry months).
 */
import { monthOf, REGISTRY_TIME_ZONE } from './calendar.ts'
import type { TimePoints } from './time-points.ts'

/** True when the activation turned out unnecessary; false while it may still be justified. */
export function isFalseActivation(p: TimePoints): boolean {
  if (p.cathLabActivated === null) return false
  const working = p.diagnoses.at(-1)?.diagnosis
  if (working !== undefined && working !== 'stemi') return true
  return p.outcome !== null && p.wire === null
}

export interface ActivationMonth {
  /** First day of the month, `YYYY-MM-01`. */
  month: string
  activations: number
  falseActivations: number
}

/** Activations and false activations per month of activation, oldest month first. */
export function falseActivationsByMonth(cases: readonly TimePoints[]): ActivationMonth[] {
  const by = new Map<string, ActivationMonth>()
  for (const p of cases) {
    if (p.cathLabActivated === null) continue
    const month = monthOf(p.cathLabActivated, REGISTRY_TIME_ZONE)
    const m = by.get(month) ?? { month, activations: 0, falseActivations: 0 }
    m.activations += 1
    if (isFalseActivation(p)) m.falseActivations += 1
    by.set(month, m)
  }
  return [...by.values()].sort((a, b) => a.month.localeCompare(b.month))
}
