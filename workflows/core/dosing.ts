/**
 * Fibrinolytic dose suggestions (docs/clinical-rules.md). Shown, never auto-administered: the physician
 * records the dose actually given.
 */

/** The fibrinolytics a facility can stock (the network admin picks from these per facility). */
export const LYSIS_DRUGS = ['tenecteplase', 'rhTNK-tPA', 'alteplase', 'reteplase', 'prourokinase'] as const
export type LysisDrug = (typeof LYSIS_DRUGS)[number]

/** Tenecteplase weight bands, single bolus over ~5 s (ESC 2023 ACS; ASSENT-2 label). */
const TENECTEPLASE_BANDS: readonly { belowKg: number; doseMg: number }[] = [
  { belowKg: 60, doseMg: 30 },
  { belowKg: 70, doseMg: 35 },
  { belowKg: 80, doseMg: 40 },
  { belowKg: 90, doseMg: 45 },
  { belowKg: Infinity, doseMg: 50 },
]

/**
 * Half-dose tenecteplase from this age: the STREAM protocol amendment, after excess intracranial
 * haemorrhage at full dose in patients ≥ 75 (docs/clinical-rules.md, "Dose check").
 */
const HALF_DOSE_AGE = 75

/** Chinese recombinant TNK (rhTNK-tPA, 重组人 TNK 组织型纤溶酶原激活剂): 16 mg single bolus per label. */
const RH_TNK_TPA_MG = 16

export interface DoseRecommendation {
  drug: string
  doseMg: number
  fullDoseMg: number
  doseFraction: 'full' | 'half'
}

/**
 * Tenecteplase dose by weight band (< 60 kg 30 mg … ≥ 90 kg 50 mg), halved at age ≥ 75 (STREAM
 * protocol amendment).
 */
export function tenecteplaseDose(
  weightKg: number,
  age: number,
): { drug: 'tenecteplase'; doseMg: number; fullDoseMg: number; doseFraction: 'full' | 'half' } {
  const band =
    TENECTEPLASE_BANDS.find((b) => weightKg < b.belowKg) ?? TENECTEPLASE_BANDS[TENECTEPLASE_BANDS.length - 1]!
  const half = age >= HALF_DOSE_AGE
  return {
    drug: 'tenecteplase',
    doseMg: half ? band.doseMg / 2 : band.doseMg,
    fullDoseMg: band.doseMg,
    doseFraction: half ? 'half' : 'full',
  }
}

/**
 * The suggested dose for a drug on a facility's shelf: tenecteplase by weight (null when the
 * weight is unknown: we never guess a weight), rhTNK-tPA a fixed 16 mg bolus. Alteplase,
 * reteplase and prourokinase regimens are configured per facility by the network admin, so
 * the core suggests nothing for them (null).
 */
export function recommendedDose(
  drug: string,
  weightKg: number | null,
  age: number,
): DoseRecommendation | null {
  switch (drug) {
    case 'tenecteplase':
      return weightKg == null || !(weightKg > 0) ? null : tenecteplaseDose(weightKg, age)
    case 'rhTNK-tPA':
      return { drug, doseMg: RH_TNK_TPA_MG, fullDoseMg: RH_TNK_TPA_MG, doseFraction: 'full' }
    default:
      return null
  }
}

/** Their dose is not computed by recommendedDose: the facility must state its regimen. */
export const REGIMEN_REQUIRED: ReadonlySet<string> = new Set<string>([
  'alteplase',
  'reteplase',
  'prourokinase',
])
/**
 * The highest dose the suggestion allows for this patient, for the bolus dose check
 * (docs/clinical-rules.md, "Dose check"). Tenecteplase with an unknown weight is checked against
 * the top weight band (still halved at age ≥ 75), so a full dose at 80 years is caught even
 * when nobody weighed the patient. null when the core has no suggestion for the drug.
 */
export function maxSuggestedDoseMg(drug: string, weightKg: number | null, age: number): number | null {
  if (drug === 'tenecteplase' && (weightKg == null || !(weightKg > 0)))
    return tenecteplaseDose(Infinity, age).doseMg
  return recommendedDose(drug, weightKg, age)?.doseMg ?? null
}

/** The suggested maximum when `doseMg` exceeds it, else null (no check possible or within it). */
export function doseAboveSuggestion(
  drug: string,
  doseMg: number,
  weightKg: number | null,
  age: number,
): { maxMg: number } | null {
  const maxMg = maxSuggestedDoseMg(drug, weightKg, age)
  // A hundredth of a milligram absorbs float noise (17.5 mg entered as 17.50).
  return maxMg !== null && doseMg > maxMg + 0.01 ? { maxMg } : null
}
