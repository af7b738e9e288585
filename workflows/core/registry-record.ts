/**
 * One case as the national chest-pain-center registry sees it (time points of docs/clinical-rules.md, docs/qa-api.md
 * metrics), derived from the folded state, so corrections are already applied. It is the
 * single source of the QA projection row, the CSV export and the history fixture: the SQL
 * aggregates only ever see what this function computed.
 */
import type { CaseState } from './fold.ts'
import { METRIC_KEYS, type MetricKey } from './metric-keys.ts'
import { metricsOf } from './metrics.ts'
import { isPciCenter, type NetworkInfo } from './network.ts'
import type { QualityFlagCode } from './quality-flag.ts'
import { facilityAt } from './patient-location.ts'
import { monthOf, REGISTRY_TIME_ZONE } from './calendar.ts'
import { doorIn } from './time-points.ts'
import type { Instant } from './time.ts'
import { stemiClocksApply } from './working-diagnosis.ts'

export interface RegistryRecord {
  caseId: string
  networkId: string
  /** Where care began (the FMC facility). */
  facilityId: string
  /** FMC, else `fallbackRefAt` (case creation): the instant that places the case in a period. */
  refAt: Instant
  month: string
  symptomOnset: Instant | null
  onsetApproximate: boolean
  arrivalMode: string | null
  fmc: Instant | null
  fmcFacilityId: string | null
  firstEcg: Instant | null
  ecgFacilityId: string | null
  ecgTransmitted: Instant | null
  ecgVia: string | null
  consultAcknowledged: Instant | null
  firstDiagnosis: Instant | null
  diagnosis: string | null
  stemiDiagnosis: Instant | null
  strategy: string | null
  referralFacilityId: string | null
  referralDoorIn: Instant | null
  transferDecided: Instant | null
  referralDoorOut: Instant | null
  consentStarted: Instant | null
  consentSigned: Instant | null
  checklistResult: string | null
  lysisDecision: string | null
  lysisFacilityId: string | null
  lysisDoorIn: Instant | null
  lysisStart: Instant | null
  lysisEnd: Instant | null
  lysisDrug: string | null
  lysisDoseMg: number | null
  lysisDoseFraction: string | null
  reperfusionAt: Instant | null
  reperfusion: boolean | null
  rescuePci: boolean | null
  countyFacilityId: string | null
  countyDoorIn: Instant | null
  bypassedEd: boolean | null
  bypassedCcu: boolean | null
  cathLabActivated: Instant | null
  cathLabReady: Instant | null
  wire: Instant | null
  outcome: string | null
  outcomeAt: Instant | null
  metrics: Record<MetricKey, number | null>
  /** Metrics with a data-quality flag: excluded from aggregates, listed separately (docs/qa-api.md). */
  flaggedMetrics: MetricKey[]
  flagCodes: QualityFlagCode[]
  /** Share (0–1, two decimals) of the time points the path taken requires that are recorded. */
  completeness: number
  enteredLate: boolean
  corrected: boolean
  stemi: boolean
  closed: boolean
}

/** The facility each metric is accountable to (docs/qa-api.md "per facility"). */
export const METRIC_FACILITY: Record<
  MetricKey,
  'fmcFacilityId' | 'ecgFacilityId' | 'lysisFacilityId' | 'referralFacilityId' | 'countyFacilityId'
> = {
  onset_to_fmc: 'fmcFacilityId',
  fmc_to_ecg: 'fmcFacilityId',
  ecg_to_diagnosis: 'ecgFacilityId',
  door_to_needle: 'lysisFacilityId',
  diagnosis_to_needle: 'lysisFacilityId',
  door_in_door_out: 'referralFacilityId',
  door_to_wire: 'countyFacilityId',
  cath_lab_activation: 'countyFacilityId',
  fmc_to_wire: 'fmcFacilityId',
  lysis_to_angiography: 'countyFacilityId',
  total_ischemic_time: 'fmcFacilityId',
}

/**
 * The time points the path taken requires (NCDR "fields required by the path taken"): every
 * case needs onset, FMC, arrival mode, an ECG and a read; a transmitted ECG needs its
 * acknowledgement; STEMI needs a strategy; a bolus needs screening, consent, decision, door-in
 * and the reperfusion assessment; a transfer needs its door-in, decision and door-out; a wire
 * needs county door-in and the cath lab times; a closed case needs nothing more than its outcome.
 */
function requiredPoints(r: Omit<RegistryRecord, 'completeness'>): unknown[] {
  const req: unknown[] = [r.symptomOnset, r.fmc, r.arrivalMode, r.firstEcg, r.firstDiagnosis]
  if (r.ecgTransmitted !== null) req.push(r.consultAcknowledged)
  if (r.stemi) req.push(r.strategy)
  if (r.lysisStart !== null)
    req.push(
      r.checklistResult,
      r.lysisDecision,
      r.consentStarted,
      r.consentSigned,
      r.lysisDoorIn,
      r.lysisDrug,
      r.lysisDoseFraction,
      r.reperfusionAt,
    )
  if (r.transferDecided !== null || r.referralDoorOut !== null)
    req.push(r.referralDoorIn, r.transferDecided, r.referralDoorOut)
  if (r.wire !== null) req.push(r.countyDoorIn, r.cathLabActivated, r.cathLabReady)
  if (r.closed) req.push(r.outcome)
  return req
}

/**
 * The registry record of one case.
 * @param fallbackRefAt when the case has no FMC yet (never in practice: FMC is recorded with the case)
 */
export function registryRecord(
  state: CaseState,
  network: NetworkInfo,
  fallbackRefAt: Instant,
): RegistryRecord {
  const p = state.points
  const { values, flags: metricFlags } = metricsOf(state)
  const firstTransmit = state.effective.find((e) => e.type === 'ecg_transmitted')
  const referral = p.departures.find((d) => !d.fromPciCenter) ?? null
  const county =
    p.countyFacilityId ??
    (p.wire !== null || p.cathLabActivated !== null
      ? (network.facilities.find((f) => isPciCenter(f))?.id ?? null)
      : null)
  const countyArrival = p.arrivals.find((a) => a.facilityId === p.countyFacilityId)
  const refAt = p.fmc ?? fallbackRefAt
  const lastDiagnosis = p.diagnoses[p.diagnoses.length - 1]
  const codes = new Set<QualityFlagCode>(state.flags.map((f) => f.code))
  const flagged = new Set<MetricKey>()
  for (const f of metricFlags) if (f.metric) flagged.add(f.metric)
  const base: Omit<RegistryRecord, 'completeness'> = {
    caseId: state.info.id,
    networkId: state.info.networkId,
    facilityId: p.startFacilityId,
    refAt,
    // The national registry counts months in China time (workflows/core/calendar.ts).
    month: monthOf(refAt, REGISTRY_TIME_ZONE),
    symptomOnset: p.symptomOnset,
    onsetApproximate: p.symptomOnsetApproximate,
    arrivalMode: p.arrivalMode,
    fmc: p.fmc,
    fmcFacilityId: p.fmcFacilityId ?? p.startFacilityId,
    firstEcg: p.firstEcg,
    ecgFacilityId:
      p.firstTransmitted === null
        ? null
        : (stringOr(firstTransmit?.data.facilityId) ??
          facilityAt(p.arrivals, p.startFacilityId, p.firstTransmitted)),
    ecgTransmitted: p.firstTransmitted,
    ecgVia: stringOr(firstTransmit?.data.via),
    consultAcknowledged: p.consultAcknowledged?.at ?? null,
    firstDiagnosis: p.firstDiagnosis,
    diagnosis: lastDiagnosis?.diagnosis ?? null,
    stemiDiagnosis: p.firstStemiDiagnosis,
    strategy: p.strategyChosen?.strategy ?? null,
    referralFacilityId: referral?.facilityId ?? null,
    referralDoorIn: referral ? doorIn(p, referral.facilityId) : null,
    transferDecided: p.transferDecided,
    referralDoorOut: referral?.at ?? null,
    consentStarted: p.consentStarted,
    consentSigned: p.consentSigned,
    checklistResult: p.checklist?.result ?? null,
    lysisDecision: p.decision?.decision ?? null,
    lysisFacilityId: p.bolus?.facilityId ?? null,
    lysisDoorIn: p.bolus ? doorIn(p, p.bolus.facilityId) : null,
    lysisStart: p.bolus?.at ?? null,
    lysisEnd: p.lysisEnd,
    lysisDrug: p.bolus?.drug ?? null,
    lysisDoseMg: p.bolus?.doseMg ?? null,
    lysisDoseFraction: p.bolus?.doseFraction ?? null,
    reperfusionAt: p.reperfusion?.at ?? null,
    reperfusion: p.reperfusion ? p.reperfusion.stResolution : null,
    // Rescue PCI: a wire after a lysis judged failed (docs/clinical-rules.md, "Lysis failure");
    // null off the lysis path or before any assessment.
    rescuePci:
      p.bolus === null || (p.reperfusion === null && p.lysisFailedAt === null)
        ? null
        : p.lysisFailedAt !== null && p.wire !== null,
    countyFacilityId: county,
    countyDoorIn: p.countyArrival,
    bypassedEd: countyArrival?.bypassedEd ?? null,
    bypassedCcu: countyArrival?.bypassedCcu ?? null,
    cathLabActivated: p.cathLabActivated,
    cathLabReady: p.cathLabReady,
    wire: p.wire,
    outcome: p.outcomeDetail?.outcome ?? null,
    outcomeAt: p.outcome,
    metrics: values,
    flaggedMetrics: METRIC_KEYS.filter((k) => flagged.has(k)),
    flagCodes: [...codes].sort(),
    enteredLate: codes.has('late_entry'),
    corrected: state.corrections.length > 0,
    // The working diagnosis decides (docs/clinical-rules.md, "Working diagnosis").
    stemi: stemiClocksApply(p),
    closed: state.closed,
  }
  const req = requiredPoints(base)
  const present = req.filter((v) => v !== null && v !== undefined).length
  return { ...base, completeness: req.length ? Math.round((present / req.length) * 100) / 100 : 1 }
}

const stringOr = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null)
