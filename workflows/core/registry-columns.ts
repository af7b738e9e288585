import type { RegistryRecord } from './registry-record.ts'

type PointKey = {
  [K in keyof RegistryRecord]: RegistryRecord[K] extends number | string | boolean | null ? K : never
}[keyof RegistryRecord]

/** How a registry field is stored and exported: `ts` = timestamptz from an Instant. */
export type ColumnKind = 'ts' | 'text' | 'bool' | 'num' | 'uuid'

export interface RegistryColumn {
  column: string
  field: PointKey
  kind: ColumnKind
}

/**
 * The registry time-point columns of `case_metrics`, in export order (docs/clinical-rules.md / national CPC
 * data platform). One list for the projection upsert, the bulk history insert and the CSV.
 */
export const POINT_COLUMNS: readonly RegistryColumn[] = [
  { column: 'symptom_onset', field: 'symptomOnset', kind: 'ts' },
  { column: 'onset_approximate', field: 'onsetApproximate', kind: 'bool' },
  { column: 'arrival_mode', field: 'arrivalMode', kind: 'text' },
  { column: 'fmc', field: 'fmc', kind: 'ts' },
  { column: 'fmc_facility_id', field: 'fmcFacilityId', kind: 'uuid' },
  { column: 'first_ecg', field: 'firstEcg', kind: 'ts' },
  { column: 'ecg_facility_id', field: 'ecgFacilityId', kind: 'uuid' },
  { column: 'ecg_transmitted', field: 'ecgTransmitted', kind: 'ts' },
  { column: 'ecg_via', field: 'ecgVia', kind: 'text' },
  { column: 'consult_acknowledged', field: 'consultAcknowledged', kind: 'ts' },
  { column: 'first_diagnosis', field: 'firstDiagnosis', kind: 'ts' },
  { column: 'diagnosis', field: 'diagnosis', kind: 'text' },
  { column: 'stemi_diagnosis', field: 'stemiDiagnosis', kind: 'ts' },
  { column: 'strategy', field: 'strategy', kind: 'text' },
  { column: 'referral_facility_id', field: 'referralFacilityId', kind: 'uuid' },
  { column: 'referral_door_in', field: 'referralDoorIn', kind: 'ts' },
  { column: 'transfer_decided', field: 'transferDecided', kind: 'ts' },
  { column: 'referral_door_out', field: 'referralDoorOut', kind: 'ts' },
  { column: 'consent_started', field: 'consentStarted', kind: 'ts' },
  { column: 'consent_signed', field: 'consentSigned', kind: 'ts' },
  { column: 'checklist_result', field: 'checklistResult', kind: 'text' },
  { column: 'lysis_decision', field: 'lysisDecision', kind: 'text' },
  { column: 'lysis_facility_id', field: 'lysisFacilityId', kind: 'uuid' },
  { column: 'lysis_door_in', field: 'lysisDoorIn', kind: 'ts' },
  { column: 'lysis_start', field: 'lysisStart', kind: 'ts' },
  { column: 'lysis_end', field: 'lysisEnd', kind: 'ts' },
  { column: 'lysis_drug', field: 'lysisDrug', kind: 'text' },
  { column: 'lysis_dose_mg', field: 'lysisDoseMg', kind: 'num' },
  { column: 'lysis_dose_fraction', field: 'lysisDoseFraction', kind: 'text' },
  { column: 'reperfusion_at', field: 'reperfusionAt', kind: 'ts' },
  { column: 'reperfusion', field: 'reperfusion', kind: 'bool' },
  { column: 'rescue_pci', field: 'rescuePci', kind: 'bool' },
  { column: 'county_facility_id', field: 'countyFacilityId', kind: 'uuid' },
  { column: 'county_door_in', field: 'countyDoorIn', kind: 'ts' },
  { column: 'bypassed_ed', field: 'bypassedEd', kind: 'bool' },
  { column: 'bypassed_ccu', field: 'bypassedCcu', kind: 'bool' },
  { column: 'cath_lab_activated', field: 'cathLabActivated', kind: 'ts' },
  { column: 'cath_lab_ready', field: 'cathLabReady', kind: 'ts' },
  { column: 'wire', field: 'wire', kind: 'ts' },
  { column: 'outcome', field: 'outcome', kind: 'text' },
  { column: 'outcome_at', field: 'outcomeAt', kind: 'ts' },
]
