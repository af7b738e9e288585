import { PCI_WITHIN_MINUTES, type Middle, type WhatIfFacts, type WhatIfLimit } from '../../core/what-if.ts'
import type { Q } from '../platform/connect.ts'

/**
 * The what-if's facts per facility (core `factsOf`, computed in SQL) from the STEMI cases of the
 * QA projection since `since` (case_metrics; corrections already applied). A case counts for the
 * facility that lysed it, else the non-PCI facility that transferred it, else where it began.
 * One index-only range scan (case_metrics_stemi_what_if, migration 0018), one row per facility
 * of `limits`: the case count, the middle values of each list and the count over 120 minutes,
 * not the values. A county's year of STEMI cases sent as arrays, parsed and folded in Node took
 * most of the request at the province bench's per-network size (200,000 generated cases in one
 * network, 110,000 of them STEMI: 210 of 240 ms); the aggregate answers in 65 ms there.
 *
 * The arithmetic is core's, in the same order on the same float8 values: the median of the
 * middle values is taken in core; `dx + travel + door_to_wire > 120` is evaluated left to right
 * as JavaScript does; float8 sorts as JavaScript's numeric sort (no NaN is stored).
 * test/int/what-if.int.test.ts compares the two on every case of the demo history.
 */
export async function whatIfFacts(
  q: Q,
  networkId: string,
  since: Date,
  limits: readonly WhatIfLimit[],
): Promise<WhatIfFacts[]> {
  if (!limits.length) return []
  const rows = await q<
    {
      i: number
      stemiCases: number
      d2n: [number, number | null, number | null]
      dido: [number, number | null, number | null]
      dx: [number, number | null, number | null]
      over: number
    }[]
  >`
    with l as (
      select * from unnest(${limits.map((l) => l.facilityId)}::uuid[],
                           ${limits.map((l) => l.travel)}::float8[],
                           ${limits.map((l) => l.doorToWire)}::float8[]) with ordinality as l(fid, travel, d2w, i)
    ), c as (
      select coalesce(lysis_facility_id, referral_facility_id, fmc_facility_id, facility_id) as fid,
             case when referral_door_out is not null and stemi_diagnosis is not null
                       and referral_door_out >= stemi_diagnosis
                  then extract(epoch from referral_door_out - stemi_diagnosis) / 60 end::float8 as dx,
             door_to_needle as d2n, door_in_door_out as dido
        from case_metrics
       where network_id = ${networkId} and stemi and ref_at >= ${since}
    ), g as (
      select l.i, count(c.fid)::int as n,
             array_agg(c.d2n order by c.d2n) filter (where c.d2n is not null) as d2n,
             array_agg(c.dido order by c.dido) filter (where c.dido is not null) as dido,
             array_agg(c.dx order by c.dx) filter (where c.dx is not null) as dx,
             count(*) filter (where c.dx + l.travel + l.d2w > ${PCI_WITHIN_MINUTES}::float8)::int as over
        from l left join c on c.fid = l.fid
       group by l.i
    )
    select i::int as i, n as "stemiCases", over,
           ${middle(q, q`d2n`)} as d2n, ${middle(q, q`dido`)} as dido, ${middle(q, q`dx`)} as dx
      from g`
  const mid = ([n, lo, hi]: [number, number | null, number | null]): Middle => ({ n, lo, hi })
  const byIndex = new Map(rows.map((r) => [r.i, r]))
  return limits.map(({ facilityId, travel }, i) => {
    const r = byIndex.get(i + 1)
    const none: Middle = { n: 0, lo: null, hi: null }
    return {
      facilityId,
      stemiCases: r?.stemiCases ?? 0,
      doorToNeedle: r ? mid(r.d2n) : none,
      doorInDoorOut: r ? mid(r.dido) : none,
      diagnosisToDoorOut: r ? mid(r.dx) : none,
      over120: travel === null ? null : (r?.over ?? 0),
    }
  })
}

/**
 * `[n, lo, hi]` of a sorted float8 array (core `middleOf`): for an even length the two middle
 * values, for an odd one the middle value twice; `[0, null, null]` for none. postgres.js reads a
 * NULL inside a float8[] as NaN, so the answer is a json array (float8 in json keeps every digit).
 */
function middle(q: Q, a: ReturnType<Q>) {
  return q`json_build_array(coalesce(cardinality(${a}), 0),
                            case when cardinality(${a}) % 2 = 1 then ${a}[cardinality(${a}) / 2 + 1]
                                 else ${a}[cardinality(${a}) / 2] end,
                            ${a}[cardinality(${a}) / 2 + 1])`
}
