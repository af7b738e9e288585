import { PCI_WITHIN_MINUTES, type Middle, type WhatIfFacts, type WhatIfLimit } from '../../core/what-if.ts'
import type { Q } from '../platform/connect.ts'

/**
 * The what-if's facts per facility (core `factsOf`, computed in SQL) from the STEMI cases of the
 * QA projection since `since` (case_metrics; corrections already applied). A case counts for the
 * facility that lysed it, else the non-PCI facility that transferred it, else where it began
 * (the stored column `what_if_facility_id`, migration 0027, with `diagnosis_to_door_out`). Per
 * facility of `limits` one index-only range scan (case_metrics_what_if: network, facility,
 * ref_at) aggregated in the database: the case count, the middle values of each list and the
 * count over 120 minutes, not the values. A county's year of STEMI cases sent as arrays, parsed
 * and folded in Node took most of the request at the province bench's per-network size (200,000
 * generated cases in one network, 110,000 of them STEMI: 210 of 240 ms); one scan of the whole
 * network joined to the facilities 105 ms warm and 267 ms from a cold disk (2,320 pages); one
 * range per facility 30 and 40 ms (588 pages).
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
    select l.i::int as i, g.n as "stemiCases", g.over,
           ${middle(q, q`g.d2n`)} as d2n, ${middle(q, q`g.dido`)} as dido, ${middle(q, q`g.dx`)} as dx
      from unnest(${limits.map((l) => l.facilityId)}::uuid[],
                  ${limits.map((l) => l.travel)}::float8[],
                  ${limits.map((l) => l.doorToWire)}::float8[]) with ordinality as l(fid, travel, d2w, i)
     cross join lateral (
       select count(*)::int as n,
              array_agg(door_to_needle order by door_to_needle) filter (where door_to_needle is not null) as d2n,
              array_agg(door_in_door_out order by door_in_door_out) filter (where door_in_door_out is not null) as dido,
              array_agg(diagnosis_to_door_out order by diagnosis_to_door_out)
                filter (where diagnosis_to_door_out is not null) as dx,
              count(*) filter (where diagnosis_to_door_out + l.travel + l.d2w > ${PCI_WITHIN_MINUTES}::float8)::int as over
         from case_metrics
        where network_id = ${networkId} and stemi and what_if_facility_id = l.fid and ref_at >= ${since}
     ) g`
  const mid = ([n, lo, hi]: [number, number | null, number | null]): Middle => ({ n, lo, hi })
  // The lateral aggregate has no GROUP BY: one row per facility, none without cases included.
  const byIndex = new Map(rows.map((r) => [r.i, r]))
  return limits.map(({ facilityId, travel }, i) => {
    const r = byIndex.get(i + 1)
    if (!r) throw new Error(`what-if: no aggregate row for facility ${facilityId}`)
    return {
      facilityId,
      stemiCases: r.stemiCases,
      doorToNeedle: mid(r.d2n),
      doorInDoorOut: mid(r.dido),
      diagnosisToDoorOut: mid(r.dx),
      over120: travel === null ? null : r.over,
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
