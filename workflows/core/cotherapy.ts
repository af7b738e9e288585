/**
 * Co-therapy suggested with fibrinolysis (docs/clinical-rules.md, "Co-therapy"; ESC 2023 ACS,
 * CSC 2019): shown with the lysis packet, never given automatically. The `medication_given`
 * event records what was given.
 */

export interface CotherapySuggestion {
  drug: 'aspirin' | 'clopidogrel' | 'enoxaparin' | 'unfractionated_heparin'
  route: 'oral' | 'iv' | 'sc'
  /** The first dose (loading or bolus); null when it depends on an unknown weight or is omitted. */
  doseMg?: number | null
  units?: number | null
  /** Maintenance: per-kg dose, interval and cap as the guideline states it. */
  then?: {
    route: 'sc' | 'iv'
    mgPerKg?: number
    unitsPerKgPerHour?: number
    everyHours?: number
    /** The computed maintenance dose for the weight (capped), null when the weight is unknown. */
    doseMg?: number | null
    unitsPerHour?: number | null
    /** Cap of the first two SC doses (enoxaparin) or of the infusion rate (UFH). */
    capMg?: number
    capUnitsPerHour?: number
  }
}

// ESC 2023 / CSC 2019: aspirin loading 150–300 mg orally; 300 mg suggested.
const ASPIRIN_LOADING_MG = 300
// ESC 2023: clopidogrel with fibrinolysis 300 mg loading at age ≤ 75, 75 mg without loading above.
const CLOPIDOGREL_AGE = 75
// ESC 2023 enoxaparin with fibrinolysis: < 75: 30 mg IV then 1 mg/kg SC q12h (first two ≤ 100 mg);
// ≥ 75: no IV bolus, 0.75 mg/kg SC q12h (first two ≤ 75 mg); eGFR < 30: 1 mg/kg once daily.
const ENOXAPARIN_AGE = 75
const ENOXAPARIN_EGFR = 30
// ESC 2023 UFH: 60 U/kg IV bolus (max 4,000 U), then 12 U/kg/h (max 1,000 U/h).
const UFH_BOLUS_U_PER_KG = 60
const UFH_BOLUS_MAX_U = 4000
const UFH_INFUSION_U_PER_KG_H = 12
const UFH_INFUSION_MAX_U_H = 1000

const round1 = (x: number) => Math.round(x * 10) / 10

/**
 * The co-therapy suggestions for a patient (age in years, weight in kg, eGFR in
 * mL/min/1.73 m² when known): aspirin, clopidogrel, and the two anticoagulant alternatives
 * (enoxaparin or unfractionated heparin; the physician chooses one).
 */
export function cotherapyFor(
  age: number,
  weightKg: number | null,
  egfr: number | null = null,
): CotherapySuggestion[] {
  const kg = weightKg != null && weightKg > 0 ? weightKg : null
  const elderly = age >= ENOXAPARIN_AGE
  const renal = egfr !== null && egfr < ENOXAPARIN_EGFR
  const enoxaMgPerKg = elderly && !renal ? 0.75 : 1
  const enoxaCap = elderly ? 75 : 100
  return [
    { drug: 'aspirin', route: 'oral', doseMg: ASPIRIN_LOADING_MG },
    { drug: 'clopidogrel', route: 'oral', doseMg: age <= CLOPIDOGREL_AGE ? 300 : 75 },
    {
      drug: 'enoxaparin',
      route: 'iv',
      // No IV bolus at ≥ 75.
      doseMg: elderly ? null : 30,
      then: {
        route: 'sc',
        mgPerKg: enoxaMgPerKg,
        everyHours: renal ? 24 : 12,
        doseMg: kg === null ? null : round1(Math.min(kg * enoxaMgPerKg, renal ? Infinity : enoxaCap)),
        ...(renal ? {} : { capMg: enoxaCap }),
      },
    },
    {
      drug: 'unfractionated_heparin',
      route: 'iv',
      units: kg === null ? null : Math.min(Math.round(kg * UFH_BOLUS_U_PER_KG), UFH_BOLUS_MAX_U),
      then: {
        route: 'iv',
        unitsPerKgPerHour: UFH_INFUSION_U_PER_KG_H,
        unitsPerHour:
          kg === null ? null : Math.min(Math.round(kg * UFH_INFUSION_U_PER_KG_H), UFH_INFUSION_MAX_U_H),
        capUnitsPerHour: UFH_INFUSION_MAX_U_H,
      },
    },
  ]
}
