import type { WhatIfCase } from '../../core/what-if.ts'
import type { Q } from '../platform/connect.ts'

/**
 * The STEMI cases of the last `months` for the network what-if, from the QA projection
 * (case_metrics; corrections already applied). A case counts for the facility that lysed it,
 * else the non-PCI facility that transferred it, else where it began. One index-only range scan
 * (case_metrics_stemi_what_if, migration 0018), one row per facility with its values as arrays
 * (a county's year holds ~10,000 STEMI cases: one row each cost more to ship and parse than
 * to read).
 */
/** postgres.js reads a NULL inside a float8[] as NaN; no stored minute value is NaN. */
const num = (v: number | null | undefined): number | null =>
  v === null || v === undefined || Number.isNaN(v) ? null : v

export async function whatIfCases(q: Q, networkId: string, since: Date): Promise<WhatIfCase[]> {
  const rows = await q<
    { facilityId: string; dx: (number | null)[]; d2n: (number | null)[]; dido: (number | null)[] }[]
  >`
    select "facilityId", array_agg("diagnosisToDoorOut") as dx, array_agg(door_to_needle) as d2n,
           array_agg(door_in_door_out) as dido
      from (select coalesce(lysis_facility_id, referral_facility_id, fmc_facility_id, facility_id) as "facilityId",
                   case when referral_door_out is not null and stemi_diagnosis is not null
                             and referral_door_out >= stemi_diagnosis
                        then extract(epoch from referral_door_out - stemi_diagnosis) / 60 end::float8
                     as "diagnosisToDoorOut",
                   door_to_needle, door_in_door_out
              from case_metrics
             where network_id = ${networkId} and stemi and ref_at >= ${since}) c
     group by 1`
  return rows.flatMap((r) =>
    r.dx.map((dx, i) => ({
      facilityId: r.facilityId,
      diagnosisToDoorOut: num(dx),
      doorToNeedle: num(r.d2n[i]),
      doorInDoorOut: num(r.dido[i]),
    })),
  )
}
