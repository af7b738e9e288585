import type { Q, Sql } from '../../../api/db/connect.ts'
import { METRICS, type MetricKey } from '../../core/index.ts'

export type GroupBy = 'none' | 'month' | 'facility'

export interface MetricsQuery {
  networkId: string
  /** Inclusive start, exclusive end, on the case's reference time (FMC). */
  from: Date
  to: Date
  /** Only what this facility is accountable for (see METRIC_FACILITY). */
  facilityId?: string
  groupBy: GroupBy
  /** How many case ids to list per metric and group (outside target, flagged). */
  cap: number
}

export interface MetricAggregate {
  key: MetricKey
  /** 'all', the month `YYYY-MM-01`, or the accountable facility id. */
  group: string
  n: number
  mean: number | null
  median: number | null
  p90: number | null
  /** Share (0–1) within target; null for report-only metrics. */
  withinTarget: number | null
  target: { min?: number; max?: number; strictMax?: boolean } | null
  outsideTarget: { count: number; caseIds: string[] }
  /** Cases whose value for this metric carries a data-quality flag: not in n, median, … */
  flagged: { count: number; caseIds: string[] }
}

export interface RateAggregate {
  key: 'bypass_ed' | 'lysis_success' | 'remote_ecg'
  group: string
  numerator: number
  denominator: number
  rate: number | null
  /** Accreditation standard (China CPC): bypass ED ≥ 30 %, remote ECG ≥ 30 %; lysis: none. */
  target: number | null
}

/** The facility column each metric is accountable to (mirrors core METRIC_FACILITY). */
const FACILITY_COLUMN: Record<MetricKey, string> = {
  onset_to_fmc: 'fmc_facility_id',
  fmc_to_ecg: 'fmc_facility_id',
  ecg_to_diagnosis: 'ecg_facility_id',
  door_to_needle: 'lysis_facility_id',
  diagnosis_to_needle: 'lysis_facility_id',
  door_in_door_out: 'referral_facility_id',
  door_to_wire: 'county_facility_id',
  cath_lab_activation: 'county_facility_id',
  fmc_to_wire: 'fmc_facility_id',
  lysis_to_angiography: 'county_facility_id',
  total_ischemic_time: 'fmc_facility_id',
}

const round1 = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10)
const round3 = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000)

/**
 * One row per (metric, group): exact `percentile_cont` over the corrected projection. The
 * metric rows are unpivoted with a lateral VALUES list carrying each metric's accountable
 * facility and target from the core's METRICS table, so SQL and core cannot drift apart.
 */
export async function metricAggregates(q: Q, m: MetricsQuery): Promise<MetricAggregate[]> {
  const values = METRICS.map(
    (d) =>
      q`(${d.key}::text, m.${q(FACILITY_COLUMN[d.key])}, m.${q(d.key)}::float8,
         ${d.target?.min ?? null}::float8, ${d.target?.max ?? null}::float8, ${d.target?.strictMax ?? false}::boolean)`,
  )
  const list = values.slice(1).reduce((acc, v) => q`${acc}, ${v}`, values[0]!)
  const group =
    m.groupBy === 'month' ? q`m.month::text` : m.groupBy === 'facility' ? q`k.fac::text` : q`'all'`
  const rows = await q<
    {
      key: MetricKey
      grp: string
      n: number
      mean: number | null
      pct: [number, number] | null
      within: number | null
      outsideCount: number
      outsideIds: string[] | null
      flaggedCount: number
      flaggedIds: string[] | null
    }[]
  >`
    with v as (
      select k.key, ${group} as grp, k.val, m.case_id,
             k.key = any(m.flagged_metrics) as flagged,
             case when k.tmin is null and k.tmax is null then null
                  else (k.tmin is null or k.val >= k.tmin)
                   and (k.tmax is null or case when k.strict then k.val < k.tmax else k.val <= k.tmax end)
             end as ok
        from case_metrics m
        cross join lateral (values ${list}) as k(key, fac, val, tmin, tmax, strict)
       where m.network_id = ${m.networkId} and m.ref_at >= ${m.from} and m.ref_at < ${m.to}
         and (k.val is not null or k.key = any(m.flagged_metrics))
         ${m.facilityId ? q`and k.fac = ${m.facilityId}` : q``}
    )
    select key, grp,
           count(*) filter (where not flagged)::int as n,
           avg(val) filter (where not flagged) as mean,
           -- one sort for both percentiles
           percentile_cont(array[0.5, 0.9]) within group (order by val) filter (where not flagged) as pct,
           avg(ok::int) filter (where not flagged) as within,
           count(*) filter (where not flagged and not ok)::int as "outsideCount",
           (array_agg(case_id::text) filter (where not flagged and not ok))[1:${m.cap}] as "outsideIds",
           count(*) filter (where flagged)::int as "flaggedCount",
           (array_agg(case_id::text) filter (where flagged))[1:${m.cap}] as "flaggedIds"
      from v group by key, grp`
  const byKey = new Map(rows.map((r) => [`${r.key}\0${r.grp}`, r]))
  const groups = [...new Set(rows.map((r) => r.grp))].sort()
  if (m.groupBy === 'none' && !groups.length) groups.push('all')
  const out: MetricAggregate[] = []
  for (const d of METRICS)
    for (const g of groups) {
      const r = byKey.get(`${d.key}\0${g}`)
      if (!r && m.groupBy !== 'none') continue
      const n = r?.n ?? 0
      out.push({
        key: d.key,
        group: g,
        n,
        mean: n ? round1(r?.mean ?? null) : null,
        median: n ? round1(r?.pct?.[0] ?? null) : null,
        p90: n ? round1(r?.pct?.[1] ?? null) : null,
        withinTarget: n && d.target ? round3(r?.within ?? null) : null,
        target: d.target,
        outsideTarget: { count: r?.outsideCount ?? 0, caseIds: r?.outsideIds ?? [] },
        flagged: { count: r?.flaggedCount ?? 0, caseIds: r?.flaggedIds ?? [] },
      })
    }
  return out
}

/**
 * The three rates of SPEC §5: bypass-ED among ambulance/transfer PCI cases (county facility),
 * lysis success = reperfusion yes / bolus (lysing facility), remotely transmitted ECG among
 * STEMI cases (FMC facility).
 */
export async function rateAggregates(q: Q, m: MetricsQuery): Promise<RateAggregate[]> {
  const group = (fac: string) =>
    m.groupBy === 'month' ? q`month::text` : m.groupBy === 'facility' ? q`${q(fac)}::text` : q`'all'`
  const facFilter = (fac: string) => (m.facilityId ? q`and ${q(fac)} = ${m.facilityId}` : q``)
  const scope = q`network_id = ${m.networkId} and ref_at >= ${m.from} and ref_at < ${m.to}`
  const rows = await q<{ key: RateAggregate['key']; grp: string; num: number; den: number }[]>`
    select 'bypass_ed' as key, ${group('county_facility_id')} as grp,
           count(*) filter (where bypassed_ed)::int as num, count(*)::int as den
      from case_metrics
     where ${scope} ${facFilter('county_facility_id')} and wire is not null
       and (arrival_mode in ('ambulance', 'transfer') or referral_door_out is not null)
     group by 2
    union all
    select 'lysis_success', ${group('lysis_facility_id')},
           count(*) filter (where reperfusion)::int, count(*)::int
      from case_metrics
     where ${scope} ${facFilter('lysis_facility_id')} and lysis_start is not null
     group by 2
    union all
    select 'remote_ecg', ${group('fmc_facility_id')},
           count(*) filter (where ecg_transmitted is not null)::int, count(*)::int
      from case_metrics
     where ${scope} ${facFilter('fmc_facility_id')} and stemi
     group by 2`
  const targets: Record<RateAggregate['key'], number | null> = {
    bypass_ed: 0.3,
    lysis_success: null,
    remote_ecg: 0.3,
  }
  const keys = ['bypass_ed', 'lysis_success', 'remote_ecg'] as const
  const out: RateAggregate[] = rows.map((r) => ({
    key: r.key,
    group: r.grp,
    numerator: r.num,
    denominator: r.den,
    rate: r.den ? round3(r.num / r.den) : null,
    target: targets[r.key],
  }))
  if (m.groupBy === 'none')
    for (const key of keys)
      if (!out.some((r) => r.key === key))
        out.push({ key, group: 'all', numerator: 0, denominator: 0, rate: null, target: targets[key] })
  return out.sort((a, b) => keys.indexOf(a.key) - keys.indexOf(b.key) || a.group.localeCompare(b.group))
}

export interface MetricsResult {
  metrics: MetricAggregate[]
  rates: RateAggregate[]
  version: number
  cached: boolean
}

/**
 * Metrics and rates, from the cache when no case of the network changed since they were
 * computed. Reads run in one REPEATABLE READ snapshot, so the version stored with a result is
 * exactly the state it was computed from; any later projection change bumps the version.
 */
export async function networkMetrics(sql: Sql, m: MetricsQuery): Promise<MetricsResult> {
  const params = JSON.stringify([
    m.from.toISOString(),
    m.to.toISOString(),
    m.facilityId ?? null,
    m.groupBy,
    m.cap,
  ])
  const computed = await sql.begin('isolation level repeatable read read only', async (tx) => {
    const [v] = await tx<{ version: string }[]>`
      select version::text from qa_versions where network_id = ${m.networkId}`
    const version = Number(v?.version ?? 0)
    const [hit] = await tx<{ result: Omit<MetricsResult, 'cached' | 'version'> }[]>`
      select result from metrics_cache
       where network_id = ${m.networkId} and params = ${params} and version = ${version}`
    if (hit) return { ...hit.result, version, cached: true }
    // Percentiles sort in memory: give this one query room (the default 4 MB spills to disk).
    await tx`set local work_mem = '256MB'`
    const [metrics, rates] = [await metricAggregates(tx, m), await rateAggregates(tx, m)]
    return { metrics, rates, version, cached: false }
  })
  if (!computed.cached)
    await sql`
      insert into metrics_cache (network_id, params, version, result)
      values (${m.networkId}, ${params}, ${computed.version},
              ${sql.json({ metrics: computed.metrics, rates: computed.rates } as never)})
      on conflict (network_id, params) do update
        set version = excluded.version, result = excluded.result, computed_at = now()
        where metrics_cache.version < excluded.version`
  return computed
}
