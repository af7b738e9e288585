import type { Q } from '../platform/connect.ts'
import { POINT_COLUMNS } from './case-metrics.ts'

export interface QaCaseFilter {
  networkId: string
  from: Date
  to: Date
  facilityId?: string
  flag?: string
  limit: number
}

export interface QaCaseRow {
  caseId: string
  facilityId: string
  refAt: Date
  month: string
  diagnosis: string | null
  strategy: string | null
  closed: boolean
  flagCodes: string[]
  flaggedMetrics: string[]
  completeness: number
  enteredLate: boolean
  corrected: boolean
}

/** Case list for QA: newest first, filtered by facility (where care began or any accountable one) and flag. */
export async function qaCases(q: Q, f: QaCaseFilter): Promise<QaCaseRow[]> {
  return q<QaCaseRow[]>`
    select case_id as "caseId", facility_id as "facilityId", ref_at as "refAt", month::text as month,
           diagnosis, strategy, closed, flag_codes as "flagCodes", flagged_metrics as "flaggedMetrics",
           completeness, entered_late as "enteredLate", corrected
      from case_metrics
     where network_id = ${f.networkId} and ref_at >= ${f.from} and ref_at < ${f.to}
       ${
         f.facilityId
           ? q`and ${f.facilityId} in (facility_id, ecg_facility_id, lysis_facility_id, referral_facility_id, county_facility_id)`
           : q``
       }
       ${f.flag ? q`and flag_codes @> ${[f.flag]}::text[]` : q``}
     order by ref_at desc
     limit ${f.limit}`
}

export interface QualityRow {
  facilityId: string
  cases: number
  flagged: number
  meanCompleteness: number
  enteredLate: number
  corrected: number
  byFlag: Record<string, number>
}

/** Data-quality summary per facility where care began. */
export async function qualityByFacility(
  q: Q,
  f: { networkId: string; from: Date; to: Date },
): Promise<QualityRow[]> {
  const rows = await q<(Omit<QualityRow, 'byFlag'> & { byFlag: Record<string, number> | null })[]>`
    with s as (
      select facility_id, flag_codes, completeness, entered_late, corrected
        from case_metrics
       where network_id = ${f.networkId} and ref_at >= ${f.from} and ref_at < ${f.to}
    ), flags as (
      select facility_id, code, count(*)::int as n from s, unnest(flag_codes) as code group by 1, 2
    )
    select s.facility_id::text as "facilityId", count(*)::int as cases,
           count(*) filter (where cardinality(flag_codes) > 0)::int as flagged,
           round(avg(completeness)::numeric, 3)::float8 as "meanCompleteness",
           count(*) filter (where entered_late)::int as "enteredLate",
           count(*) filter (where corrected)::int as corrected,
           (select jsonb_object_agg(code, n) from flags where flags.facility_id = s.facility_id) as "byFlag"
      from s group by s.facility_id order by s.facility_id`
  return rows.map((r) => ({ ...r, byFlag: r.byFlag ?? {} }))
}

/** Registry time-point columns that QA may re-abstract from the paper record. */
export const ABSTRACTABLE = POINT_COLUMNS.filter((c) => c.kind === 'ts').map((c) => c.column)

/** The system value of one time point of one case (corrected), or null. */
export async function systemValue(q: Q, caseId: string, column: string): Promise<Date | null> {
  if (!ABSTRACTABLE.includes(column)) return null
  const [row] = await q<
    { v: Date | null }[]
  >`select ${q(column)} as v from case_metrics where case_id = ${caseId}`
  return row?.v ?? null
}

/**
 * Draw the audit sample: for each facility where care began, `perFacility` cases of the
 * month, ordered by md5(seed || case id) — uniformly random, and reproducible from the seed.
 */
export async function drawSample(
  q: Q,
  s: { id: string; networkId: string; month: string; perFacility: number; seed: string; by: string },
): Promise<number> {
  await q`insert into audit_samples (id, network_id, month, per_facility, seed, created_by)
          values (${s.id}, ${s.networkId}, ${s.month}, ${s.perFacility}, ${s.seed}, ${s.by})`
  const rows = await q`
    insert into audit_sample_cases (sample_id, case_id, facility_id)
    select ${s.id}, case_id, facility_id from (
      select case_id, facility_id,
             row_number() over (partition by facility_id order by md5(${s.seed} || case_id::text)) as r
        from case_metrics
       where network_id = ${s.networkId} and month = ${s.month}::date) x
     where r <= ${s.perFacility}
    returning case_id`
  return rows.length
}

/** Whether `caseId` is in the sample `sampleId` of `networkId`. */
export async function isSampleMember(
  q: Q,
  networkId: string,
  sampleId: string,
  caseId: string,
): Promise<boolean> {
  const [row] = await q`
    select 1 from audit_sample_cases sc join audit_samples s on s.id = sc.sample_id
     where sc.sample_id = ${sampleId} and sc.case_id = ${caseId} and s.network_id = ${networkId}`
  return row !== undefined
}

/** The paper value recorded before, if any (undefined: none yet; null: recorded as absent). */
export async function previousPaperValue(
  q: Q,
  sampleId: string,
  caseId: string,
  timePoint: string,
): Promise<{ paperValue: Date | null } | undefined> {
  const [old] = await q<{ paperValue: Date | null }[]>`
    select paper_value as "paperValue" from audit_abstractions
     where sample_id = ${sampleId} and case_id = ${caseId} and time_point = ${timePoint}`
  return old
}

export async function upsertAbstraction(
  q: Q,
  a: {
    sampleId: string
    caseId: string
    timePoint: string
    paper: Date | null
    system: Date | null
    by: string
  },
): Promise<void> {
  await q`
    insert into audit_abstractions (sample_id, case_id, time_point, paper_value, system_value, recorded_by)
    values (${a.sampleId}, ${a.caseId}, ${a.timePoint}, ${a.paper}, ${a.system}, ${a.by})
    on conflict (sample_id, case_id, time_point) do update
      set paper_value = excluded.paper_value, system_value = excluded.system_value,
          recorded_by = excluded.recorded_by, recorded_at = now()`
}

export async function auditSampleOf(q: Q, networkId: string, sampleId: string) {
  const [sample] = await q<
    { id: string; month: string; perFacility: number; seed: string; createdAt: Date }[]
  >`
    select id, to_char(month, 'YYYY-MM') as month, per_facility as "perFacility", seed, created_at as "createdAt"
      from audit_samples where id = ${sampleId} and network_id = ${networkId}`
  return sample
}

export async function sampleCases(q: Q, sampleId: string) {
  return q<{ caseId: string; facilityId: string }[]>`
    select case_id as "caseId", facility_id::text as "facilityId" from audit_sample_cases
     where sample_id = ${sampleId} order by facility_id, case_id`
}

export async function sampleAbstractions(q: Q, sampleId: string) {
  return q<{ caseId: string; timePoint: string; paperValue: Date | null; systemValue: Date | null }[]>`
    select case_id as "caseId", time_point as "timePoint", paper_value as "paperValue",
           system_value as "systemValue"
      from audit_abstractions where sample_id = ${sampleId} order by case_id, time_point`
}
