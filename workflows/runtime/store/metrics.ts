import { createHash } from 'node:crypto'
import type { Q, Sql } from '../platform/connect.ts'
import { activationsByMonth } from './activations.ts'
import {
  dayStart,
  localDate,
  METRICS,
  monthStart,
  REGISTRY_TIME_ZONE,
  type ActivationMonth,
  type MetricKey,
} from '../../core/index.ts'

export type GroupBy = 'none' | 'month' | 'facility'
/** The province view (GET /api/province/metrics) may also group by network. */
export type ProvinceGroupBy = GroupBy | 'network'

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
  /**
   * 'all', the month `YYYY-MM-01`, or the accountable facility id (null: the values accountable
   * to no facility, e.g. an ECG time without the ECG's facility), or (province) the network id.
   */
  group: string | null
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
  /** As MetricAggregate's. */
  group: string | null
  numerator: number
  denominator: number
  rate: number | null
  /** Accreditation standard (China CPC): bypass ED ≥ 30 %, remote ECG ≥ 30 %; lysis: none. */
  target: number | null
}

/**
 * What `aggregates` computes over: one network (the dashboard), or several networks pooled
 * (the province view: its percentiles are those of every case of the networks together, not an
 * average of the networks' percentiles), optionally grouped by network.
 */
export interface Scope extends Omit<MetricsQuery, 'networkId' | 'groupBy'> {
  networkIds: readonly string[]
  groupBy: ProvinceGroupBy
  /** Only the values accountable to no facility (the province's by-facility null group). */
  noFacility?: boolean
}

const scopeOf = (m: MetricsQuery): Scope => ({ ...m, networkIds: [m.networkId] })

/** `network_id` inside the scope: equality for one network (the common case), else `= any`. */
const inNetworks = (q: Q, m: Scope, column = q`network_id`) =>
  m.networkIds.length === 1
    ? q`${column} = ${m.networkIds[0]!}`
    : q`${column} = any(${m.networkIds as string[]}::uuid[])`

/** The facility column each metric is accountable to (mirrors core METRIC_FACILITY and the SQL
 * function `metric_values` of migration 0007, which the rollup is built from). */
export const FACILITY_COLUMN: Record<MetricKey, string> = {
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

const RATE_KEYS = ['bypass_ed', 'lysis_success', 'remote_ecg'] as const
/** Accreditation standard (China CPC): bypass ED ≥ 30 %, remote ECG ≥ 30 %; lysis: none. */
const RATE_TARGET: Record<RateAggregate['key'], number | null> = {
  bypass_ed: 0.3,
  lysis_success: null,
  remote_ecg: 0.3,
}

const round1 = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10)
const round3 = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000)

/** Registry months are China-time months (workflows/core/calendar.ts), like the rollup's `month`. */
const registryMonthStart = (t: number, add = 0) => monthStart(t, REGISTRY_TIME_ZONE, add)
const monthDate = (t: number) => localDate(t, REGISTRY_TIME_ZONE)

/**
 * How a period splits: the whole registry months inside [from, to) are read from the rollup
 * (`month` in [firstMonth, endMonth)); the partial months at either edge, [from, rollupFrom)
 * and [rollupTo, to), straight from case_metrics. A month-aligned period (the default) has no
 * edges.
 */
export function splitPeriod(from: Date, to: Date): { rollupFrom: Date; rollupTo: Date } | null {
  const f = from.getTime()
  const t = to.getTime()
  const first = registryMonthStart(f) === f ? f : registryMonthStart(f, 1)
  const end = registryMonthStart(t)
  return first < end ? { rollupFrom: new Date(first), rollupTo: new Date(end) } : null
}

/** percentile_cont exactly as PostgreSQL computes it (orderedsetaggs.c, float8_lerp). */
function percentileCont(p: number, n: number, lo: number | null, hi: number | null): number | null {
  if (lo === null || hi === null) return null
  const r = p * (n - 1)
  return Math.ceil(r) === Math.floor(r) ? lo : lo + (r - Math.floor(r)) * (hi - lo)
}

interface Cell {
  key: string
  grp: string | null
  flagged: boolean
  n: number
  /** Exact mean (numeric), rounded to 0.1 half up. */
  mean: number | null
  okN: number
  outN: number
  ones: number
  median: number | null
  p90: number | null
}

/** Bin width of metric_bins (minutes); every target bound must be a multiple of it. */
export const BIN = 10

const targetValues = (q: Q) => {
  const rows = METRICS.map(
    (d) =>
      q`(${d.key}::text, ${d.target?.min ?? null}::float8, ${d.target?.max ?? null}::float8, ${d.target?.strictMax ?? false}::boolean)`,
  )
  return rows.slice(1).reduce((acc, v) => q`${acc}, ${v}`, rows[0]!)
}

/**
 * Transactions on one snapshot (the first the one that exported it, the others on it: `onSnapshot`)
 * as lanes: `lane(fn)` runs `fn` on the first idle one, or waits for one. The independent
 * statements of one answer (the histogram, the percentile lookups, the case-id lists, the
 * activations) then run on several backends at once, each seeing the same state.
 */
export type Lane = (<T>(fn: (q: Q) => Promise<T>) => Promise<T>) & { readonly size: number }

export function lanesOf(qs: readonly Q[]): Lane {
  const idle = [...qs].reverse()
  const waiting: ((q: Q) => void)[] = []
  const lane = async <T>(fn: (q: Q) => Promise<T>): Promise<T> => {
    const q = idle.pop() ?? (await new Promise<Q>((resolve) => waiting.push(resolve)))
    try {
      return await fn(q)
    } finally {
      const next = waiting.shift()
      if (next) next(q)
      else idle.push(q)
    }
  }
  return Object.assign(lane, { size: qs.length })
}

/** A period's cells when it is not made of whole months: every value read from case_metrics. */
async function directCells(q: Q, m: Scope): Promise<Cell[]> {
  const grp =
    m.groupBy === 'month'
      ? q`m.month::text`
      : m.groupBy === 'facility'
        ? q`v.facility_id::text`
        : m.groupBy === 'network'
          ? q`m.network_id::text`
          : q`'all'`
  const rows = await q<
    (Cell & { p50lo: number | null; p50hi: number | null; p90lo: number | null; p90hi: number | null })[]
  >`
    with g as (
      select v.key, ${grp} as grp, v.flagged, v.val, count(*)::int8 as n
        from case_metrics m cross join lateral metric_values(m) v
       where ${inNetworks(q, m, q`m.network_id`)} and m.ref_at >= ${m.from} and m.ref_at < ${m.to}
             ${m.facilityId ? q`and v.facility_id = ${m.facilityId}` : q``}
             ${m.noFacility ? q`and v.facility_id is null` : q``}
       group by 1, 2, 3, 4
    ), c as (
      select g.*, t.tmin, t.tmax, t.strict,
             sum(n) over (partition by key, grp, flagged order by val)::float8 as cum,
             sum(n) over (partition by key, grp, flagged)::float8 as total
        from g left join (values ${targetValues(q)}) as t(tkey, tmin, tmax, strict) on t.tkey = g.key
    ), o as (
      select c.*,
             case when tmin is null and tmax is null then null
                  else (tmin is null or val >= tmin)
                   and (tmax is null or case when strict then val < tmax else val <= tmax end)
             end as ok,
             floor(0.5::float8 * (total - 1)) as r50lo, ceil(0.5::float8 * (total - 1)) as r50hi,
             floor(0.9::float8 * (total - 1)) as r90lo, ceil(0.9::float8 * (total - 1)) as r90hi
        from c
    )
    select key, grp, flagged, sum(n)::int as n,
           round(sum(val::numeric * n) / sum(n), 1)::float8 as mean,
           coalesce(sum(n) filter (where ok), 0)::int as "okN",
           coalesce(sum(n) filter (where not ok), 0)::int as "outN",
           coalesce(sum(n) filter (where val = 1), 0)::int as ones,
           min(val) filter (where cum > r50lo) as p50lo, min(val) filter (where cum > r50hi) as p50hi,
           min(val) filter (where cum > r90lo) as p90lo, min(val) filter (where cum > r90hi) as p90hi
      from o group by key, grp, flagged`
  return rows.map((r) => ({
    ...r,
    median: percentileCont(0.5, r.n, r.p50lo, r.p50hi),
    p90: percentileCont(0.9, r.n, r.p90lo, r.p90hi),
  }))
}

/**
 * A period of whole months from the rollup (migration 0007), in two steps. metric_bins gives
 * per (key, group): n, the exact mean, the within-target count (bins inside the target, plus
 * the values exactly on a non-strict max) and, for each rank percentile_cont interpolates
 * between (floor and ceil of p·(n−1), in float8 as PostgreSQL computes it), the bin holding it
 * and the rank inside that bin. metric_rollup is then read only for those bins (a few hundred
 * value rows each) to find the exact values at those ranks.
 */
async function rollupCells(
  lane: Lane,
  m: Scope,
  rollupFrom: Date,
  rollupTo: Date,
): Promise<{ cells: Cell[]; percentiles: () => Promise<void> }> {
  // Network-wide questions read the network-wide cells; per-facility ones the facility cells.
  const net = !m.facilityId && m.groupBy !== 'facility'
  // Which networks a group's cells come from (its percentile lookups then read one network's
  // range): only asked when the scope has several. For one network, the text conversions and
  // comparisons cost 80 of a county's 195 ms (75,000 facility cells of 12 months).
  const pooled = m.networkIds.length > 1
  const rows = await lane((q) => binCells(q, m, net, pooled, rollupFrom, rollupTo))
  const cells: Cell[] = rows.map((r) => ({
    key: r.key,
    grp: r.grp,
    flagged: r.flagged,
    n: r.n,
    mean: r.mean,
    okN: r.okN,
    outN: r.targeted ? r.n - r.okN : 0,
    ones: r.ones,
    median: null,
    p90: null,
  }))
  // Every count is known now; the exact percentiles take a second step, which the caller may
  // run beside the statements that need only the counts (the case-id lists).
  return {
    cells,
    percentiles: () => percentileValues(lane, m, net, rollupFrom, rollupTo, rows, cells),
  }
}

/** One row per (key, group, flagged) of `rollupCells`' step 1. */
type BinRow = Omit<Cell, 'median' | 'p90'> & {
  targeted: boolean
  bins: [number, number, number, number]
  offsets: [number, number, number, number]
  nid0: string | null
  nid1: string | null
}

function binCells(q: Q, m: Scope, net: boolean, pooled: boolean, rollupFrom: Date, rollupTo: Date) {
  // Grouped and sorted by the raw column (date, uuid) and the key in the "C" collation, text
  // only in the answer: a province's ~200,000 bin rows sorted by collated text took most of its time.
  const grp =
    m.groupBy === 'month'
      ? q`month`
      : m.groupBy === 'facility'
        ? q`facility_id`
        : m.groupBy === 'network'
          ? q`network_id`
          : q`0`
  // A group's networks: its own when grouped by network (no text to compare per cell).
  const byNetwork = m.groupBy === 'network'
  const nids = pooled && !byNetwork
  const months = q`${inNetworks(q, m)} and net = ${net}
                   and month >= ${monthDate(rollupFrom.getTime())}::date
                   and month < ${monthDate(rollupTo.getTime())}::date
                   ${m.facilityId ? q`and facility_id = ${m.facilityId}` : q``}
                   ${m.noFacility ? q`and facility_id is null` : q``}`
  return q<BinRow[]>`
    with b as (
      select key collate "C" as key, ${grp} as grp, flagged, bin, sum(n)::int8 as n, sum(n_lo)::int8 as n_lo,
             sum(total) as total,
             ${nids ? q`min(network_id::text collate "C")` : q`null::text`} as nid0,
             ${nids ? q`max(network_id::text collate "C")` : q`null::text`} as nid1
        from metric_bins where ${months}
       group by 1, 2, 3, 4
    ), c as (
      select b.*, floor(t.tmin / ${BIN}) as jmin, floor(t.tmax / ${BIN}) as kmax, t.strict,
             t.tkey is not null and (t.tmin is not null or t.tmax is not null) as targeted,
             (sum(n) over (partition by key, grp, flagged order by bin) - n)::float8 as before,
             sum(n) over (partition by key, grp, flagged)::float8 as cnt
        from b left join (values ${targetValues(q)}) as t(tkey, tmin, tmax, strict) on t.tkey = b.key
    ), r as (
      select c.*, array[floor(0.5::float8 * (cnt - 1)), ceil(0.5::float8 * (cnt - 1)),
                        floor(0.9::float8 * (cnt - 1)), ceil(0.9::float8 * (cnt - 1))] as ranks
        from c
    )
    select key, ${m.groupBy === 'none' ? q`'all'` : q`grp::text`} as grp, flagged, sum(n)::int as n,
           ${byNetwork ? q`grp::text as nid0, grp::text as nid1` : q`min(nid0) as nid0, max(nid1) as nid1`},
           round(sum(total) / sum(n), 1)::float8 as mean,
           (coalesce(sum(n) filter (where (jmin is null or bin >= jmin) and (kmax is null or bin < kmax)), 0)
            + coalesce(sum(n_lo) filter (where bin = kmax and not strict and (jmin is null or bin >= jmin)), 0))::int
             as "okN",
           bool_or(targeted) as targeted,
           (sum(n) - coalesce(sum(n_lo) filter (where bin = 0), 0))::int as ones,
           array[min(bin) filter (where before + n > ranks[1]), min(bin) filter (where before + n > ranks[2]),
                 min(bin) filter (where before + n > ranks[3]), min(bin) filter (where before + n > ranks[4])] as bins,
           array[max(ranks[1] - before) filter (where before + n > ranks[1]),
                 max(ranks[2] - before) filter (where before + n > ranks[2]),
                 max(ranks[3] - before) filter (where before + n > ranks[3]),
                 max(ranks[4] - before) filter (where before + n > ranks[4])]::int[] as offsets
      from r group by key, grp, flagged`
}

/** `rollupCells`' step 2. */
async function percentileValues(
  lane: Lane,
  m: Scope,
  net: boolean,
  rollupFrom: Date,
  rollupTo: Date,
  rows: BinRow[],
  cells: Cell[],
): Promise<void> {
  // Step 2: the values at the ranks, from the value rows of the bins that hold them: one small
  // index-only range scan per (key, group, bin) — every rank in that bin answered by the same
  // scan — inside the group's one network when it has one (a facility, a network group), so a
  // province reads one network's index range per bin, not one per network of the scope.
  const metricKeys = new Set<string>(METRICS.map((d) => d.key))
  const from0 = monthDate(rollupFrom.getTime())
  const to0 = monthDate(rollupTo.getTime())
  const lookups = new Map<
    string,
    {
      key: string
      fac: string | null
      nid: string | null
      m0: string
      m1: string
      bin: number
      /** The ranks (0-based, inside the bin) whose values are wanted. */
      offsets: number[]
    }
  >()
  const binKey = (key: string, grp: string | null, bin: number) => `${key}\0${grp}\0${bin}`
  for (const r of rows)
    if (!r.flagged && r.n && metricKeys.has(r.key))
      r.bins.forEach((bin, j) => {
        const id = binKey(r.key, r.grp, bin)
        const offset = r.offsets[j]!
        const known = lookups.get(id)
        if (known) {
          if (!known.offsets.includes(offset)) known.offsets.push(offset)
          return
        }
        const fac = net ? null : m.groupBy === 'facility' ? r.grp : (m.facilityId ?? null)
        const month = m.groupBy === 'month' ? r.grp! : null
        const m1 = month ? monthDate(registryMonthStart(dayStart(month, REGISTRY_TIME_ZONE), 1)) : to0
        const nid = m.networkIds.length === 1 ? null : r.nid0 === r.nid1 ? r.nid0 : null
        lookups.set(id, { key: r.key, fac, nid, m0: month ?? from0, m1, bin, offsets: [offset] })
      })
  /**
   * Per bin: the value at each wanted rank, the first value whose cumulative count passes it
   * (only those come back: a bin holds up to a few hundred distinct values).
   */
  const binValues = new Map<string, Map<number, number | null>>()
  const lookup = async (q: Q, ids: string[], nullFacility: boolean, oneNetwork: boolean) => {
    if (!ids.length) return
    const list = ids.map((id) => lookups.get(id)!)
    // The ranks of a bin: at most four (the floor and ceiling ranks of the median and the 90th).
    const rank = (k: number) => list.map((b) => b.offsets[k] ?? null)
    const found = await q<{ i: number; vals: (number | null)[] }[]>`
      select l.i, r.vals
        from unnest(${ids.map((_, i) => i)}::int[], ${list.map((b) => b.key)}::text[],
                    ${list.map((b) => b.fac)}::uuid[], ${list.map((b) => b.nid)}::uuid[],
                    ${list.map((b) => b.m0)}::date[], ${list.map((b) => b.m1)}::date[],
                    ${list.map((b) => b.bin)}::int[], ${rank(0)}::int8[], ${rank(1)}::int8[],
                    ${rank(2)}::int8[], ${rank(3)}::int8[]) as l(i, key, fac, nid, m0, m1, bin, o0, o1, o2, o3)
        cross join lateral (
          select array[min(val) filter (where cum > l.o0), min(val) filter (where cum > l.o1),
                       min(val) filter (where cum > l.o2), min(val) filter (where cum > l.o3)] as vals from (
            select val, sum(sum(n)) over (order by val) as cum from metric_rollup
             where ${oneNetwork ? q`network_id = l.nid` : inNetworks(q, m)} and key = l.key and not flagged
               and net = ${net}
               ${
                 // Network cells always have a null facility; a pooled lookup states `val >= 0`
                 // instead, the predicate of metric_rollup_pooled (migration 0018), which only
                 // it may use: a one-network lookup stays on the cell index (network first).
                 net
                   ? oneNetwork || m.networkIds.length === 1
                     ? q`and facility_id is null`
                     : q`and val >= 0`
                   : nullFacility
                     ? q`and facility_id is null`
                     : q`and facility_id = l.fac`
               }
               and month >= l.m0 and month < l.m1
               and val >= l.bin * ${BIN} - 1 and val < l.bin * ${BIN} + ${BIN} + 1
               and floor(val / ${BIN}) = l.bin
             group by val) x) r`
    for (const v of found) {
      const l = list[v.i]!
      binValues.set(ids[v.i]!, new Map(l.offsets.map((o, k) => [o, v.vals[k] ?? null])))
    }
  }
  const all = [...lookups.keys()]
  // The lookups split into two statements per lane (transactions on the same snapshot), each
  // run on the first idle lane: the index scans run on several backends at once, and a lane
  // still busy with other work (the case-id lists, the activations) holds up only a small part.
  const parts: { ids: string[]; nullFacility: boolean; oneNetwork: boolean }[] = []
  for (const nullFacility of net ? [false] : [false, true])
    for (const oneNetwork of [false, true]) {
      const ids = all.filter((id) => {
        const l = lookups.get(id)!
        return (net || (l.fac === null) === nullFacility) && (l.nid !== null) === oneNetwork
      })
      const per = lane.size > 1 ? Math.max(32, Math.ceil(ids.length / (2 * lane.size))) : ids.length
      for (let k = 0; k < ids.length; k += per)
        parts.push({ ids: ids.slice(k, k + per), nullFacility, oneNetwork })
    }
  await Promise.all(parts.map((j) => lane((q) => lookup(q, j.ids, j.nullFacility, j.oneNetwork))))
  /** The value at rank `offset` (0-based) inside the bin. */
  const valueAt = (key: string, grp: string | null, bin: number, offset: number): number | null => {
    return binValues.get(binKey(key, grp, bin))?.get(offset) ?? null
  }
  rows.forEach((r, i) => {
    const v = r.bins.map((bin, j) => (r.flagged || !r.n ? null : valueAt(r.key, r.grp, bin, r.offsets[j]!)))
    cells[i]!.median = percentileCont(0.5, r.n, v[0] ?? null, v[1] ?? null)
    cells[i]!.p90 = percentileCont(0.9, r.n, v[2] ?? null, v[3] ?? null)
  })
}

/** Where a group's cases are: its ref_at range (month groups) and accountable facility. */
function groupScope(m: Scope, grp: string | null): { from: Date; to: Date; facilityId?: string } {
  if (m.groupBy === 'month') {
    const start = dayStart(grp ?? '', REGISTRY_TIME_ZONE)
    return {
      from: new Date(Math.max(start, m.from.getTime())),
      to: new Date(Math.min(registryMonthStart(start, 1), m.to.getTime())),
      facilityId: m.facilityId,
    }
  }
  return { from: m.from, to: m.to, facilityId: m.groupBy === 'facility' ? (grp ?? undefined) : m.facilityId }
}

/**
 * The capped case-id lists, newest case first: outside target (not flagged) and flagged. Per
 * metric one statement arm: a LIMITed index scan per group with a non-zero count (by ref_at,
 * or by the accountable facility and ref_at), run as a lateral over the groups' bounds.
 */
async function caseIdLists(
  q: Q,
  m: Scope,
  wanted: { key: MetricKey; grp: string | null; flagged: boolean }[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  if (!m.cap || !wanted.length) return out
  const byFacility = m.groupBy === 'facility' || !!m.facilityId
  const arms = new Map<string, { key: MetricKey; flagged: boolean; nullFac: boolean; idx: number[] }>()
  wanted.forEach((w, i) => {
    const nullFac = m.groupBy === 'facility' && w.grp === null
    const id = `${w.key}\0${w.flagged}\0${nullFac}`
    const arm = arms.get(id) ?? { key: w.key, flagged: w.flagged, nullFac, idx: [] }
    arm.idx.push(i)
    arms.set(id, arm)
  })
  const parts = [...arms.values()].map(({ key, flagged, nullFac, idx }) => {
    const scopes = idx.map((i) => groupScope(m, wanted[i]!.grp))
    const col = q(key)
    const facCol = q(FACILITY_COLUMN[key])
    const t = METRICS.find((d) => d.key === key)!.target
    const outside = q`${col} is not null and not (${key} = any(flagged_metrics)) and not (
      ${col} >= ${t?.min ?? null}::float8 is not false and
      ${t?.strictMax ? q`${col} < ${t.max ?? null}::float8` : q`${col} <= ${t?.max ?? null}::float8`} is not false)`
    return q`(select g.i, c.id from unnest(${idx}::int[], ${scopes.map((s) => s.from.toISOString())}::timestamptz[],
                          ${scopes.map((s) => s.to.toISOString())}::timestamptz[], ${scopes.map((s) => s.facilityId ?? null)}::uuid[])
                         as g(i, lo, hi, fac)
              cross join lateral (
                select case_id::text as id from case_metrics
                 where ${inNetworks(q, m)} and ref_at >= g.lo and ref_at < g.hi
                   ${nullFac ? q`and ${facCol} is null` : byFacility ? q`and ${facCol} = g.fac` : q``}
                   and ${flagged ? q`flagged_metrics <> '{}' and ${key} = any(flagged_metrics)` : outside}
                 order by ref_at desc limit ${m.cap} offset 0) c)`
  })
  const union = parts.slice(1).reduce((acc, p) => q`${acc} union all ${p}`, parts[0]!)
  const rows = await q<{ i: number; id: string }[]>`${union}`
  for (const r of rows) {
    const w = wanted[r.i]!
    const k = `${w.key}\0${w.grp}\0${w.flagged}`
    const got = out.get(k)
    if (got) got.push(r.id)
    else out.set(k, [r.id])
  }
  return out
}

/**
 * Metrics and rates of a period from the rollup histogram (migration 0007): n, exact mean,
 * exact percentile_cont (the same float8 interpolation PostgreSQL does), share within target;
 * the rates from the same histogram (0/1 values over their denominator).
 */
export async function aggregates(
  /** The transactions of one snapshot to run on (`lanesOf`). */
  lane: Lane,
  query: MetricsQuery | Scope,
): Promise<{ metrics: MetricAggregate[]; rates: RateAggregate[] }> {
  const m = 'networkIds' in query ? query : scopeOf(query)
  const split = splitPeriod(m.from, m.to)
  const aligned =
    split && split.rollupFrom.getTime() === m.from.getTime() && split.rollupTo.getTime() === m.to.getTime()
  const { cells, percentiles } = aligned
    ? await rollupCells(lane, m, m.from, m.to)
    : { cells: await lane((q) => directCells(q, m)), percentiles: () => Promise.resolve() }
  const metricKeys = new Set<string>(METRICS.map((d) => d.key))
  const cell = new Map(cells.map((c) => [`${c.key}\0${c.grp}\0${c.flagged}`, c]))
  const groups = [...new Set(cells.filter((c) => metricKeys.has(c.key)).map((c) => c.grp as string))].sort()
  if (m.groupBy === 'none' && !groups.length) groups.push('all')
  const wanted: { key: MetricKey; grp: string; flagged: boolean }[] = []
  for (const d of METRICS)
    for (const g of groups) {
      if ((cell.get(`${d.key}\0${g}\0false`)?.outN ?? 0) > 0)
        wanted.push({ key: d.key, grp: g, flagged: false })
      if ((cell.get(`${d.key}\0${g}\0true`)?.n ?? 0) > 0) wanted.push({ key: d.key, grp: g, flagged: true })
    }
  // The case-id lists need only the counts: they run beside the percentile lookups.
  const [ids] = await Promise.all([lane((q) => caseIdLists(q, m, wanted)), percentiles()])
  const metrics: MetricAggregate[] = []
  for (const d of METRICS)
    for (const g of groups) {
      const r = cell.get(`${d.key}\0${g}\0false`)
      const f = cell.get(`${d.key}\0${g}\0true`)
      if (!r && !f && m.groupBy !== 'none') continue
      const n = r?.n ?? 0
      metrics.push({
        key: d.key,
        group: g,
        n,
        mean: n ? round1(r!.mean) : null,
        median: n ? round1(r!.median) : null,
        p90: n ? round1(r!.p90) : null,
        withinTarget: n && d.target ? round3(r!.okN / n) : null,
        target: d.target,
        outsideTarget: { count: r?.outN ?? 0, caseIds: ids.get(`${d.key}\0${g}\0false`) ?? [] },
        flagged: { count: f?.n ?? 0, caseIds: ids.get(`${d.key}\0${g}\0true`) ?? [] },
      })
    }
  const rates: RateAggregate[] = cells
    .filter((c) => !c.flagged && (RATE_KEYS as readonly string[]).includes(c.key))
    .map((c) => ({
      key: c.key as RateAggregate['key'],
      group: m.groupBy === 'none' ? 'all' : (c.grp as string),
      numerator: c.ones,
      denominator: c.n,
      rate: c.n ? round3(c.ones / c.n) : null,
      target: RATE_TARGET[c.key as RateAggregate['key']],
    }))
  if (m.groupBy === 'none')
    for (const key of RATE_KEYS)
      if (!rates.some((r) => r.key === key))
        rates.push({ key, group: 'all', numerator: 0, denominator: 0, rate: null, target: RATE_TARGET[key] })
  rates.sort(byRate)
  return { metrics, rates }
}

/** How many connections of each pool are lent to computations now (`withHelpers`). */
const lent = new WeakMap<Sql, number>()

/**
 * Runs `fn` on `tx` (REPEATABLE READ) and on up to `want` more transactions on its snapshot, as
 * many as the pool lends now: a computation never waits for the loan, it runs on fewer lanes.
 * A pool lends at most two connections at once, and none unless it has two more: every
 * transaction waiting for a lent connection holds one (a borrower, or the province view's own
 * second transaction, one at a time: `provinceTurn`), so with max ≥ lent + 2 some connection
 * is always held by a transaction that needs no other, and the pool cannot deadlock.
 */
async function withHelpers<T extends object>(
  sql: Sql,
  tx: Q,
  want: number,
  fn: (lane: Lane) => Promise<T>,
): Promise<T> {
  const lendable = Math.max(0, Math.min(2, (sql.options.max ?? 1) - 2))
  const k = Math.min(want, lendable - (lent.get(sql) ?? 0))
  if (k <= 0) return fn(lanesOf([tx]))
  lent.set(sql, (lent.get(sql) ?? 0) + k)
  try {
    const [{ snapshot } = { snapshot: '' }] = await tx<
      { snapshot: string }[]
    >`select pg_export_snapshot() as snapshot`
    const open = (qs: readonly Q[]): Promise<T> =>
      qs.length > k ? fn(lanesOf(qs)) : onSnapshot(sql, snapshot, (q) => open([...qs, q]))
    return await open([tx])
  } finally {
    lent.set(sql, lent.get(sql)! - k)
  }
}

export interface MetricsResult {
  metrics: MetricAggregate[]
  rates: RateAggregate[]
  /** False cath lab activations per month (docs/ambulance.md): from case_metrics too, so cached alike. */
  activations: ActivationMonth[]
  /** The network's QA version (qa_versions) the result was computed from. */
  version: number
  /**
   * The instant whose state of the cases it shows, ISO: now when no case changed since it was
   * computed (its version is the network's), else when it was computed (a province part within
   * its maxAge).
   */
  asOf: string
  cached: boolean
}

/**
 * Metrics and rates, from the cache when no case of the network changed since they were
 * computed. Reads run in one REPEATABLE READ snapshot, so the version stored with a result is
 * exactly the state it was computed from; any later projection change bumps the version.
 * `maxAgeSeconds` (the province view) also accepts a result of an older version computed at most
 * that long ago: its `version` and `asOf` say which state it shows.
 */
export async function networkMetrics(
  sql: Sql,
  m: MetricsQuery,
  opts: { maxAgeSeconds?: number } = {},
): Promise<MetricsResult> {
  return (await networkMetricsOr(sql, m, opts, true))!
}

/** `networkMetrics` when its cache holds an answer (within `maxAgeSeconds`), else null: nothing computed. */
export async function cachedNetworkMetrics(
  sql: Sql,
  m: MetricsQuery,
  opts: { maxAgeSeconds?: number } = {},
): Promise<MetricsResult | null> {
  return networkMetricsOr(sql, m, opts, false)
}

async function networkMetricsOr(
  sql: Sql,
  m: MetricsQuery,
  opts: { maxAgeSeconds?: number },
  compute: boolean,
): Promise<MetricsResult | null> {
  // 'v2': results carry the activations (a cached result without them is never read).
  const params = JSON.stringify([
    'v2',
    m.from.toISOString(),
    m.to.toISOString(),
    m.facilityId ?? null,
    m.groupBy,
    m.cap,
  ])
  const maxAge = Math.max(0, opts.maxAgeSeconds ?? 0)
  const computed = await sql.begin('isolation level repeatable read read only', async (tx) => {
    const [v] = await tx<{ version: string | null; at: Date }[]>`
      select (select version::text from qa_versions where network_id = ${m.networkId}) as version, now() as at`
    const version = Number(v?.version ?? 0)
    const at = v!.at
    const [hit] = await tx<
      { result: Omit<MetricsResult, 'cached' | 'version' | 'asOf'>; version: string; at: Date }[]
    >`
      select result, version::text, computed_at as at from metrics_cache
       where network_id = ${m.networkId} and params = ${params}
         and (version = ${version}
              or (${maxAge}::int > 0 and computed_at >= ${at}::timestamptz - ${maxAge}::int * interval '1 second'))`
    if (hit) {
      const current = Number(hit.version) === version
      return {
        ...hit.result,
        version: Number(hit.version),
        asOf: (current ? at : hit.at).toISOString(),
        cached: true,
      }
    }
    if (!compute) return null
    // The histogram sorts in memory: give it room (the default 4 MB spills to disk).
    await tx`set local work_mem = '64MB'`
    return withHelpers(sql, tx, 2, async (lane) => {
      const [agg, activations] = await Promise.all([
        aggregates(lane, m),
        lane((q) =>
          activationsByMonth(q, { networkId: m.networkId, from: m.from, to: m.to, facilityId: m.facilityId }),
        ),
      ])
      return { ...agg, activations, version, asOf: at.toISOString(), cached: false }
    })
  })
  if (computed && !computed.cached)
    await sql`
      insert into metrics_cache (network_id, params, version, result, computed_at)
      values (${m.networkId}, ${params}, ${computed.version},
              ${sql.json({ metrics: computed.metrics, rates: computed.rates, activations: computed.activations } as never)},
              ${computed.asOf}::timestamptz)
      on conflict (network_id, params) do update
        set version = excluded.version, result = excluded.result, computed_at = excluded.computed_at
        where metrics_cache.version < excluded.version`
  return computed
}

export interface ProvinceQuery {
  networkIds: readonly string[]
  from: Date
  to: Date
  groupBy: ProvinceGroupBy
  /**
   * By network and by facility: a network's part may come from its cached result computed at
   * most this long ago even if a case of it changed since (0: only results of its current
   * version; every changed network is computed again).
   */
  maxAgeSeconds?: number
  /**
   * By network: how many networks without a usable cached part make the view pool every case
   * instead (default: half of them, at least 4).
   */
  poolFrom?: number
}

export interface ProvinceResult {
  metrics: MetricAggregate[]
  rates: RateAggregate[]
  /** The oldest state any part of the answer was computed from, ISO. */
  asOf: string
}

/**
 * The province view: the networks' cases pooled, no case ids (a province grant is for
 * aggregates; a case stays visible only inside its own network, workflows/core/access.ts).
 *
 * By network and by facility, every group lies inside one network: a network's group is its
 * own dashboard without grouping, a facility's group is that facility's row of its network's
 * dashboard by facility (a facility belongs to one network). So those two are composed from
 * the networks' own results (`networkMetrics`: cached per network version, kept warm by
 * workflows/runtime/metrics-refresh.ts), each exact for the state it was computed from, and
 * only a network whose cases changed is computed again. The values accountable to no facility
 * (a by-facility group of their own, in several networks) are pooled; a real facility found in
 * two networks makes the whole view pooled; so does, by network, a cache missing many parts. By month and without
 * grouping a group spans networks: one REPEATABLE READ snapshot over all of them, its answer
 * cached per scope (`provinceCachedPooled`, migration 0028).
 */
export async function provinceMetrics(sql: Sql, p: ProvinceQuery): Promise<ProvinceResult> {
  if (!p.networkIds.length) return { metrics: [], rates: [], asOf: new Date().toISOString() }
  return provinceTurn(async () => {
    if (p.groupBy === 'network' || p.groupBy === 'facility') {
      const composed = await provinceComposed(sql, p)
      if (composed) return composed
      return provinceOnTwoBackends(sql, p)
    }
    return (await provinceCachedPooled(sql, { ...p, groupBy: p.groupBy }, true)).result
  })
}

/** The groupings whose groups span networks: pooled every time they are computed, so cached whole. */
export type PooledGroupBy = 'month' | 'none'

/**
 * A pooled province view from province_cache (migration 0028) when it holds the answer, else
 * computed and stored. The scope is the set of networks; the answer is exact while the QA version
 * of every network in it is the one it was computed from (read in the same snapshot as the
 * answer), and served within `maxAgeSeconds` of its computation after that (its `asOf` says
 * which state it shows). `touch` (a user's request, not the refresh tick) marks it read: the
 * tick keeps the views read in the last day warm. Says whether it computed.
 */
async function provinceCachedPooled(
  sql: Sql,
  p: ProvinceQuery & { groupBy: PooledGroupBy },
  touch: boolean,
): Promise<{ result: ProvinceResult; computed: boolean }> {
  const networkIds = [...new Set(p.networkIds)].sort()
  const scope = createHash('sha256').update(networkIds.join(',')).digest('hex')
  const maxAge = Math.max(0, Math.floor(p.maxAgeSeconds ?? 0))
  const { from, to, groupBy } = p
  const out = await sql.begin('isolation level repeatable read read only', async (tx) => {
    const [v] = await tx<{ versions: string[]; at: Date }[]>`
      select array(select coalesce(q.version, 0)::text
                     from unnest(${networkIds}::uuid[]) with ordinality as n(id, o)
                     left join qa_versions q on q.network_id = n.id order by n.o) as versions,
             now() as at`
    const { versions, at } = v!
    const [hit] = await tx<{ result: Omit<ProvinceResult, 'asOf'>; current: boolean; at: Date }[]>`
      select result, versions = ${versions}::int8[] as current, computed_at as at from province_cache
       where scope = ${scope} and group_by = ${groupBy} and from_at = ${from} and to_at = ${to}
         and (versions = ${versions}::int8[]
              or (${maxAge}::int > 0 and computed_at >= ${at}::timestamptz - ${maxAge}::int * interval '1 second'))`
    if (hit)
      return {
        result: { ...hit.result, asOf: (hit.current ? at : hit.at).toISOString() },
        versions,
        computed: false,
      }
    return { result: await pooledOnSnapshot(sql, tx, { ...p, networkIds }), versions, computed: true }
  })
  const { result, versions, computed } = out
  if (computed)
    await sql`
      insert into province_cache (scope, group_by, from_at, to_at, network_ids, versions, result, computed_at)
      values (${scope}, ${groupBy}, ${from}, ${to}, ${networkIds}::uuid[], ${versions}::int8[],
              ${sql.json({ metrics: result.metrics, rates: result.rates } as never)}, ${result.asOf}::timestamptz)
      on conflict (scope, group_by, from_at, to_at) do update
        set network_ids = excluded.network_ids, versions = excluded.versions, result = excluded.result,
            computed_at = excluded.computed_at, read_at = ${touch ? sql`now()` : sql`province_cache.read_at`}
        where province_cache.computed_at < excluded.computed_at`
  else if (touch)
    await sql`
      update province_cache set read_at = now()
       where scope = ${scope} and group_by = ${groupBy} and from_at = ${from} and to_at = ${to}
         and read_at < now() - interval '1 hour'`
  return { result, computed }
}

/**
 * The refresh tick's share of the province (workflows/runtime/metrics-refresh.ts): every pooled
 * view of the period read in the last day computed again if a network of it changed; the views
 * nobody read for a week forgotten. Returns how many views it kept and how many it computed.
 */
export async function refreshProvinceViews(
  sql: Sql,
  period: { from: Date; to: Date },
): Promise<{ views: number; computed: number }> {
  const views = await sql<{ networkIds: string[]; groupBy: PooledGroupBy }[]>`
    select network_ids::text[] as "networkIds", group_by as "groupBy" from province_cache
     where from_at = ${period.from} and to_at = ${period.to} and read_at > now() - interval '1 day'
     order by scope, group_by`
  let computed = 0
  for (const v of views) {
    const view = { ...period, networkIds: v.networkIds, groupBy: v.groupBy, maxAgeSeconds: 0 }
    const r = await provinceTurn(() => provinceCachedPooled(sql, view, false))
    if (r.computed) computed++
  }
  await sql`delete from province_cache where read_at < now() - interval '7 days'`
  return { views: views.length, computed }
}

/** The province view pooled whatever the grouping (one snapshot over every network): the reference the composed view is tested against. */
export async function provincePooled(sql: Sql, p: ProvinceQuery): Promise<ProvinceResult> {
  if (!p.networkIds.length) return { metrics: [], rates: [], asOf: new Date().toISOString() }
  return provinceTurn(() => provinceOnTwoBackends(sql, p))
}

/** How many networks' parts of a composed province view are read or computed at once. */
const PARTS_AT_ONCE = 2

async function provinceComposed(sql: Sql, p: ProvinceQuery): Promise<ProvinceResult | null> {
  const groupBy: GroupBy = p.groupBy === 'network' ? 'none' : 'facility'
  // cap 0: no case-id lists (a province answer has none); the dashboard by facility asks the
  // same (pwa/src/views/qa), so the two share one cached result.
  const partQuery = (i: number): MetricsQuery => ({
    networkId: p.networkIds[i]!,
    from: p.from,
    to: p.to,
    groupBy,
    cap: 0,
  })
  const opts = { maxAgeSeconds: p.maxAgeSeconds ?? 0 }
  const eachNetwork = async (fn: (i: number) => Promise<void>) => {
    let next = 0
    await Promise.all(
      Array.from({ length: Math.min(PARTS_AT_ONCE, p.networkIds.length) }, async () => {
        while (next < p.networkIds.length) await fn(next++)
      }),
    )
  }
  const found: (MetricsResult | null)[] = []
  await eachNetwork(async (i) => {
    found[i] = await cachedNetworkMetrics(sql, partQuery(i), opts)
  })
  const missing = found.filter((r) => !r).length
  // By network, one pooled pass over every case costs less than many networks' own passes
  // (10,000,000 cases: 6.1 s composed from an empty cache): pool when many parts are missing.
  // By facility the networks' own passes are the cheaper (18 s against about 25 s).
  if (p.groupBy === 'network' && missing >= (p.poolFrom ?? Math.max(4, p.networkIds.length / 2))) return null
  const parts: MetricsResult[] = []
  await eachNetwork(async (i) => {
    parts[i] = found[i] ?? (await networkMetrics(sql, partQuery(i), opts))
  })
  const metrics: MetricAggregate[] = []
  const rates: RateAggregate[] = []
  // Facility groups: each must lie in one network. The values accountable to no facility (a
  // group of its own, `null`) lie in several: that group alone is pooled, below.
  const owner = new Map<string, string>()
  let noFacility = false
  const inOneNetwork = (group: string | null, networkId: string) => {
    if (p.groupBy !== 'facility') return true
    if (group === null) {
      noFacility = true
      return false
    }
    const held = owner.get(group)
    if (held !== undefined && held !== networkId) return null
    owner.set(group, networkId)
    return true
  }
  for (const [i, part] of parts.entries()) {
    const networkId = p.networkIds[i]!
    const groupOf = (g: string | null) => (p.groupBy === 'network' ? networkId : g)
    for (const a of part.metrics) {
      // A dashboard without grouping lists every metric, even one without values; a province
      // group lists those its network has values (or flagged values) of.
      if (!a.n && !a.flagged.count) continue
      const one = inOneNetwork(a.group, networkId)
      if (one === null) return null
      if (!one) continue
      metrics.push({
        ...a,
        group: groupOf(a.group),
        outsideTarget: { count: a.outsideTarget.count, caseIds: [] },
        flagged: { count: a.flagged.count, caseIds: [] },
      })
    }
    for (const r of part.rates) {
      if (!r.denominator) continue
      const one = inOneNetwork(r.group, networkId)
      if (one === null) return null
      if (one) rates.push({ ...r, group: groupOf(r.group) })
    }
  }
  let asOf = parts.reduce((min, r) => (r.asOf < min ? r.asOf : min), parts[0]!.asOf)
  if (noFacility) {
    const pooled = await sql.begin('isolation level repeatable read read only', async (tx) => {
      await tx`set local work_mem = '64MB'`
      const [{ at } = { at: new Date() }] = await tx<{ at: Date }[]>`select now() as at`
      const { networkIds, from, to } = p
      const agg = await aggregates(lanesOf([tx]), {
        networkIds,
        from,
        to,
        groupBy: 'facility',
        cap: 0,
        noFacility: true,
      })
      return { ...agg, asOf: at.toISOString() }
    })
    metrics.push(...pooled.metrics)
    rates.push(...pooled.rates)
    if (pooled.asOf < asOf) asOf = pooled.asOf
  }
  // The order of the pooled answer (`aggregates`): metric, then group; rate, then group.
  const metricOrder = new Map(METRICS.map((d, i) => [d.key as string, i]))
  metrics.sort((a, b) => metricOrder.get(a.key)! - metricOrder.get(b.key)! || byGroup(a.group, b.group))
  rates.sort(byRate)
  return { metrics, rates, asOf }
}

/** Groups in the order of Array#sort without a comparator (the null facility group as "null"). */
const byGroup = (a: string | null, b: string | null) => {
  const x = String(a)
  const y = String(b)
  return x < y ? -1 : x > y ? 1 : 0
}
const byRate = (a: RateAggregate, b: RateAggregate) =>
  RATE_KEYS.indexOf(a.key) - RATE_KEYS.indexOf(b.key) || String(a.group).localeCompare(String(b.group))

/**
 * One province view computed at a time, so the two connections each holds can never together
 * exhaust the pool (every outer transaction waiting for a second connection held by another):
 * a pool of two is enough. A health commission's view is rare; the next one waits its turn.
 */
let provinceBusy = false
const provinceWaiting: (() => void)[] = []
async function provinceTurn<T>(fn: () => Promise<T>): Promise<T> {
  if (provinceBusy) await new Promise<void>((resolve) => provinceWaiting.push(resolve))
  provinceBusy = true
  try {
    return await fn()
  } finally {
    // Hand the turn straight to the next waiter (still busy), or free it.
    const next = provinceWaiting.shift()
    if (next) next()
    else provinceBusy = false
  }
}

async function provinceOnTwoBackends(sql: Sql, p: ProvinceQuery): Promise<ProvinceResult> {
  return sql.begin('isolation level repeatable read read only', (tx) => pooledOnSnapshot(sql, tx, p))
}

/** The pooled view inside `tx` (REPEATABLE READ), its percentile lookups shared with a second transaction. */
async function pooledOnSnapshot(sql: Sql, tx: Q, p: ProvinceQuery): Promise<ProvinceResult> {
  await tx`set local work_mem = '64MB'`
  // A second transaction on this one's snapshot (pg_export_snapshot) takes half of the
  // percentile lookups: one answer from one state of the data, computed on two backends.
  const [{ snapshot, at } = { snapshot: '', at: new Date() }] = await tx<{ snapshot: string; at: Date }[]>`
    select pg_export_snapshot() as snapshot, now() as at`
  const { networkIds, from, to, groupBy } = p
  const agg = await onSnapshot(sql, snapshot, (tx2) =>
    aggregates(lanesOf([tx, tx2]), { networkIds, from, to, groupBy, cap: 0 }),
  )
  return { ...agg, asOf: at.toISOString() }
}

/**
 * Run `fn` in a read-only transaction that sees exactly the exported `snapshot` of a transaction
 * still open (SET TRANSACTION SNAPSHOT, the first statement after BEGIN).
 */
export async function onSnapshot<T extends object>(
  sql: Sql,
  snapshot: string,
  fn: (tx: Q) => Promise<T>,
): Promise<T> {
  // Exported snapshot ids are hexadecimal words joined by '-'; checked before it is spliced in
  // (SET takes no bind parameter).
  if (!/^[0-9A-F]+(-[0-9A-F]+)+$/i.test(snapshot)) throw new Error(`unexpected snapshot id ${snapshot}`)
  let out: T | undefined
  await sql.begin('isolation level repeatable read read only', async (tx) => {
    await tx.unsafe(`set transaction snapshot '${snapshot}'`)
    await tx`set local work_mem = '64MB'`
    out = await fn(tx)
  })
  return out!
}

/** The networks whose admins granted `userId` read access to their QA aggregates (migration 0018). */
export async function grantedNetworks(q: Q, userId: string): Promise<string[]> {
  const rows = await q<{ id: string }[]>`
    select network_id as id from qa_network_grants where user_id = ${userId} order by network_id`
  return rows.map((r) => r.id)
}
