import type { WhatIfCase } from '../../core/what-if.ts'
import type { Q } from '../platform/connect.ts'

/**
 * The STEMI cases of the last `months` for the network what-if, from the QA projection
 * (case_metrics; corrections already applied). A case counts for the facility that lysed it,
 * else the non-PCI facility that transferred it, else where it began. One index range scan on
 * (network_id, ref_at) per request.
 */
export async function whatIfCases(q: Q, networkId: string, since: Date): Promise<WhatIfCase[]> {
  return q<WhatIfCase[]>`
    select coalesce(lysis_facility_id, referral_facility_id, fmc_facility_id, facility_id) as "facilityId",
           case when referral_door_out is not null and stemi_diagnosis is not null
                     and referral_door_out >= stemi_diagnosis
                then extract(epoch from referral_door_out - stemi_diagnosis) / 60 end::float8 as "diagnosisToDoorOut",
           door_to_needle as "doorToNeedle",
           door_in_door_out as "doorInDoorOut"
    from case_metrics
    where network_id = ${networkId} and stemi and ref_at >= ${since}`
}
