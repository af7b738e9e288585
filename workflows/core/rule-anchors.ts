/**
 * When each deadline rule starts and what satisfies it, in clinical terms. Kept apart from
 * the rules table so that the table itself reads as a list of clinical thresholds.
 */
import type { CaseState } from './fold.ts'
import { facilityById, isPciCenter, type NetworkInfo } from './network.ts'
import { doorIn } from './time-points.ts'
import type { Instant } from './time.ts'
import { stemiClocksApply } from './working-diagnosis.ts'

const canLyse = (n: NetworkInfo, id: string | null | undefined): boolean =>
  facilityById(n, id)?.canLyse === true

const lysisDeclined = (s: CaseState): boolean =>
  s.points.bolus === null && s.points.decision?.decision === 'declined'

/**
 * The facility where lysis is (or will be) given: the bolus facility; before the needle, the
 * current facility when the strategy is pharmacoinvasive, else the facility of a checklist or
 * an approval. Only a lysis-capable facility qualifies (a village cannot lyse).
 */
export function lysingFacilityId(s: CaseState, n: NetworkInfo): string | null {
  const p = s.points
  if (p.bolus) return p.bolus.facilityId
  if (lysisDeclined(s)) return null
  const candidates = [
    p.strategyChosen?.strategy === 'pharmacoinvasive' ? s.currentFacilityId : null,
    p.checklist?.facilityId,
    p.decision?.decision === 'approved' ? p.decision.facilityId : null,
  ]
  return candidates.find((id) => id != null && canLyse(n, id)) ?? null
}

/**
 * The lysis unit where the lysis path is possible before any sign of it: the patient is at a
 * lysis-capable facility that is not a PCI center (a township lysis unit), no strategy other than
 * pharmacoinvasive was recorded, lysis was not declined, and no transfer was decided or departure
 * recorded from there (docs/clinical-rules.md, "Door to needle from the door").
 */
export function possibleLysisUnitId(s: CaseState, n: NetworkInfo): string | null {
  const p = s.points
  const here = facilityById(n, s.currentFacilityId)
  if (here === undefined || !here.canLyse || isPciCenter(here) || lysisDeclined(s)) return null
  const strategy = p.strategyChosen?.strategy
  if (strategy !== undefined && strategy !== 'pharmacoinvasive') return null
  if (p.transferDecided !== null && p.transferFromFacilityId === here.id) return null
  if (p.departures.some((d) => d.facilityId === here.id)) return null
  return doorIn(p, here.id) === null ? null : here.id
}

/**
 * D2N starts at door-in at the lysing facility (whichever sign of the lysis path appears first),
 * or — before any sign — at the door of the lysis unit where the patient is while the path is
 * possible, so that the clock on the case screen counts from the door and not from the checklist.
 * Only while the working diagnosis is STEMI or not yet read (docs/clinical-rules.md, "STEMI clocks").
 */
export function doorToNeedleStart(s: CaseState, n: NetworkInfo): Instant | null {
  if (!stemiClocksApply(s.points, true)) return null
  const f = lysingFacilityId(s, n) ?? (s.points.bolus === null ? possibleLysisUnitId(s, n) : null)
  return f === null ? null : doorIn(s.points, f)
}

/**
 * Diagnosis-to-needle starts at the first STEMI diagnosis when the pharmacoinvasive path is
 * taken (strategy recorded, or a bolus given) and the patient was at a lysis-capable facility
 * when diagnosed. A STEMI read at a village is followed by transfer for lysis; there the D2N
 * clock at the township is the actionable one, and diagnosis-to-needle stays a QA metric.
 */
export function diagnosisToNeedleStart(s: CaseState, n: NetworkInfo): Instant | null {
  const p = s.points
  if (p.firstStemiDiagnosis === null || lysisDeclined(s) || !stemiClocksApply(p)) return null
  if (p.strategyChosen?.strategy !== 'pharmacoinvasive' && p.bolus === null) return null
  return canLyse(n, p.stemiDiagnosisFacilityId) ? p.firstStemiDiagnosis : null
}

/**
 * DIDO starts at door-in at the non-PCI facility where the (first) transfer was decided;
 * a village start without an `arrived` uses its FMC as door-in.
 */
export function didoStart(s: CaseState, n: NetworkInfo): Instant | null {
  const from = s.points.transferFromFacilityId
  if (s.points.transferDecided === null || from === null || isPciCenter(facilityById(n, from))) return null
  return doorIn(s.points, from)
}

/** DIDO is satisfied by the first departure from that facility. */
export function didoEnd(s: CaseState): Instant | null {
  const from = s.points.transferFromFacilityId
  return s.points.departures.find((d) => d.facilityId === from)?.at ?? null
}

/**
 * Rescue PCI starts when lysis is judged failed: no ST resolution, ongoing pain or instability
 * at an assessment, or a re-occlusion recorded later (docs/clinical-rules.md, "Lysis failure").
 */
export function failedLysisAt(s: CaseState): Instant | null {
  return s.points.bolus !== null ? s.points.lysisFailedAt : null
}

/**
 * Routine angiography after lysis: the 2–24 h window counts from the bolus unless lysis failed;
 * with no assessment recorded the window still applies (docs/clinical-rules.md).
 */
export function successfulLysisBolusAt(s: CaseState): Instant | null {
  const p = s.points
  return p.bolus !== null && p.lysisFailedAt === null ? p.bolus.at : null
}

/**
 * FMC-to-wire applies to the primary PCI path: strategy primary PCI, or a STEMI (or a wire)
 * with no strategy recorded, and no bolus given.
 */
export function fmcToWireStart(s: CaseState): Instant | null {
  const p = s.points
  if (p.fmc === null || p.bolus !== null || !stemiClocksApply(p, true)) return null
  const strategy = p.strategyChosen?.strategy
  if (strategy === 'primary_pci') return p.fmc
  if (strategy === undefined && (p.firstStemiDiagnosis !== null || p.wire !== null)) return p.fmc
  return null
}

/**
 * Repeat ECG: while the working read is `inconclusive`, a new ECG is due, counted from that read
 * (docs/clinical-rules.md, "Repeat ECG").
 */
export function repeatEcgStart(s: CaseState): Instant | null {
  const last = s.points.diagnoses.at(-1)
  return last?.diagnosis === 'inconclusive' ? last.at : null
}

/** The first ECG recorded at or after the inconclusive read. */
export function repeatEcgDone(s: CaseState): Instant | null {
  const from = repeatEcgStart(s)
  return from === null ? null : (s.points.ecgs.filter((at) => at >= from).sort((a, b) => a - b)[0] ?? null)
}

/** FMC directly at a PCI center (direct admission) has the shorter 90-min target. */
export function fmcAtPciCenter(s: CaseState, n: NetworkInfo): boolean {
  return isPciCenter(facilityById(n, s.points.fmcFacilityId))
}

/**
 * County door-to-wire is a primary-PCI clock (the accreditation standard's door-to-balloon
 * indicator): STEMI patients heading for the cath lab without lysis — a STEMI diagnosis, an
 * activated cath lab or a wire, unless managed conservatively. After a bolus, the
 * angiography-after-lysis window or the rescue-PCI clock governs instead
 * (docs/clinical-rules.md, "Angiography after lysis").
 */
export function doorToWireStart(s: CaseState): Instant | null {
  const p = s.points
  if (p.countyArrival === null || p.bolus !== null || p.strategyChosen?.strategy === 'conservative')
    return null
  if (!stemiClocksApply(p, true)) return null
  if (p.firstStemiDiagnosis === null && p.cathLabActivated === null && p.wire === null) return null
  return p.countyArrival
}
