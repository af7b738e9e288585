/**
 * The working diagnosis (docs/clinical-rules.md, "Working diagnosis"): the latest ECG read in
 * clinical order, after corrections. Advice, the lysis gate and the STEMI clocks follow it, so a
 * STEMI read revised to aortic dissection or pericarditis stops "lyse here" at once.
 */
import type { Diagnosis } from './event-payloads.ts'
import type { TimePoints } from './time-points.ts'

/** The latest read (correction-aware: `diagnoses` comes from the corrected, clinically ordered events). */
export function workingDiagnosis(p: Pick<TimePoints, 'diagnoses'>): Diagnosis | null {
  return p.diagnoses.at(-1)?.diagnosis ?? null
}

/** True while the latest read is STEMI. */
export function isWorkingStemi(p: Pick<TimePoints, 'diagnoses'>): boolean {
  return workingDiagnosis(p) === 'stemi'
}

/** True when any read, even one later revised, was aortic dissection. */
export function anyDissectionRead(p: Pick<TimePoints, 'diagnoses'>): boolean {
  return p.diagnoses.some((d) => d.diagnosis === 'aortic_dissection')
}

/**
 * Whether the STEMI clocks (diagnosis-to-needle, door-to-needle, FMC-to-wire, door-to-wire) and
 * the registry's STEMI flag apply: the working diagnosis is STEMI and the case was not closed as
 * not-ACS. `allowUnread` keeps the primary-PCI clocks running on a case with no read yet (a
 * county walk-in whose wire is recorded before the read is entered).
 */
export function stemiClocksApply(
  p: Pick<TimePoints, 'diagnoses' | 'outcomeDetail'>,
  allowUnread = false,
): boolean {
  if (p.outcomeDetail?.outcome === 'not_acs') return false
  if (p.diagnoses.length === 0) return allowUnread
  return isWorkingStemi(p)
}

/**
 * The diagnosis gate of a bolus (docs/clinical-rules.md, "Safety gates"): the latest read aortic
 * dissection is never overridable; an earlier dissection read re-confirmed as STEMI needs an
 * override reason; any other working diagnosis than STEMI (or none) needs an override reason.
 */
export function diagnosisGate(p: Pick<TimePoints, 'diagnoses'>): {
  reason: 'aortic_dissection_read' | 'aortic_dissection_earlier_read' | 'not_stemi'
  overridable: boolean
} | null {
  const current = workingDiagnosis(p)
  if (current === 'aortic_dissection') return { reason: 'aortic_dissection_read', overridable: false }
  if (current !== 'stemi') return { reason: 'not_stemi', overridable: true }
  if (anyDissectionRead(p)) return { reason: 'aortic_dissection_earlier_read', overridable: true }
  return null
}
