import type { Q } from '../platform/connect.ts'
import { METRIC_KEYS, type MetricKey, type RegistryRecord } from '../../core/index.ts'

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
 * The registry time-point columns of `case_metrics`, in export order (SPEC §3 / national CPC
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

type Cell = string | number | boolean | Date | string[] | null

/** The `case_metrics` row of a registry record (snake_case columns, Dates for instants). */
export function rowOf(r: RegistryRecord, updatedAt: Date): Record<string, Cell> {
  const row: Record<string, Cell> = {
    case_id: r.caseId,
    network_id: r.networkId,
    facility_id: r.facilityId,
    ref_at: new Date(r.refAt),
    month: r.month,
  }
  for (const c of POINT_COLUMNS) {
    const v = r[c.field]
    row[c.column] = c.kind === 'ts' && typeof v === 'number' ? new Date(v) : v
  }
  for (const k of METRIC_KEYS) row[k] = r.metrics[k]
  row.flagged_metrics = r.flaggedMetrics
  row.flag_codes = r.flagCodes
  row.completeness = r.completeness
  row.entered_late = r.enteredLate
  row.corrected = r.corrected
  row.stemi = r.stemi
  row.closed = r.closed
  row.updated_at = updatedAt
  return row
}

/**
 * Upsert the QA projection row of one case (inside the event's transaction). Only a real change
 * (not a timer's system event that moves no time point) bumps the network's QA version, which
 * invalidates cached aggregates. Returns whether the row changed.
 */
export async function upsertCaseMetrics(q: Q, r: RegistryRecord, updatedAt: Date): Promise<boolean> {
  const row = rowOf(r, updatedAt)
  const cols = Object.keys(row).filter((k) => k !== 'case_id')
  const compared = cols.filter((k) => k !== 'updated_at')
  const changed = await q`
    insert into case_metrics ${q(row as never)}
    on conflict (case_id) do update set ${q(row as never, cols)}
     where (${q(compared.map((c) => `case_metrics.${c}`))}) is distinct from
           (${q(compared.map((c) => `excluded.${c}`))})
    returning case_id`
  if (changed.length) await bumpVersion(q, r.networkId)
  return changed.length > 0
}

/** Mark every cached aggregate of the network stale (commit-ordered by the row lock). */
export async function bumpVersion(q: Q, networkId: string): Promise<void> {
  await q`insert into qa_versions (network_id, version) values (${networkId}, 1)
          on conflict (network_id) do update set version = qa_versions.version + 1`
}

/** Bulk insert (history fixture): batches below the 65,535 bind-parameter limit. */
export async function insertCaseMetrics(q: Q, records: readonly RegistryRecord[], at: Date): Promise<void> {
  const rows = records.map((r) => rowOf(r, at))
  const per = Math.floor(60_000 / (Object.keys(rows[0] ?? { a: 1 }).length + 1))
  for (let i = 0; i < rows.length; i += per)
    await q`insert into case_metrics ${q(rows.slice(i, i + per) as never)}`
  for (const networkId of new Set(records.map((r) => r.networkId))) await bumpVersion(q, networkId)
}

/** The metric columns in SPEC §5 order. */
export const METRIC_COLUMNS: readonly MetricKey[] = METRIC_KEYS

/**
 * The registry rows of a period, oldest first, in batches of 500 from a server-side cursor: a
 * year of a big network never sits in memory (the CSV export streams them).
 */
export function caseMetricsBatches(
  q: Q,
  f: { networkId: string; from: Date; to: Date; facilityId?: string | undefined },
): AsyncIterable<Record<string, unknown>[]> {
  return q<Record<string, unknown>[]>`
    select *, month::text as month from case_metrics
     where network_id = ${f.networkId} and ref_at >= ${f.from} and ref_at < ${f.to}
       ${f.facilityId ? q`and facility_id = ${f.facilityId}` : q``}
     order by ref_at, case_id`.cursor(500)
}
