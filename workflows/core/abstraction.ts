/**
 * Re-abstraction of an audit sample (docs/qa-api.md): a QA nurse reads a time point off the paper
 * record and the system compares it with its own value.
 */

/** Paper and system disagree when they differ by more than 2 minutes. */
export const DISAGREEMENT_MINUTES = 2

/**
 * Paper and system agree when both are absent, or both present within 2 minutes (a registry
 * abstractor reads minutes off a paper form; one minute either way is reading error).
 */
export function agrees(system: Date | null, paper: Date | null): boolean {
  if (system === null || paper === null) return system === paper
  return Math.abs(system.getTime() - paper.getTime()) <= DISAGREEMENT_MINUTES * 60_000
}

/** Signed difference system − paper in minutes, one decimal; null when either is absent. */
export function differenceMinutes(system: Date | null, paper: Date | null): number | null {
  return system && paper ? Math.round((system.getTime() - paper.getTime()) / 6_000) / 10 : null
}

/** Share of disagreements, three decimals; null when nothing was compared. */
export const disagreementRate = (disagreements: number, compared: number): number | null =>
  compared ? Math.round((disagreements / compared) * 1000) / 1000 : null
