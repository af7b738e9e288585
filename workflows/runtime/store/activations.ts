/**
 * Cath lab activations and false activations per month for QA (docs/ambulance.md), from the
 * projection `case_metrics`. The SQL condition mirrors `isFalseActivation` in
 * workflows/core/false-activation.ts — activated, then a working diagnosis other than STEMI, or
 * closed without a wire — and a test compares the two (test/int/false-activations.int.test.ts).
 */
import type { ActivationMonth } from '../../core/index.ts'
import { REGISTRY_TIME_ZONE } from '../../core/index.ts'
import type { Q } from '../platform/connect.ts'

export interface ActivationQuery {
  networkId: string
  from: Date
  to: Date
  /** The county (the accountable facility of the cath lab), when asked for one facility. */
  facilityId?: string | undefined
}

/** Activations in [from, to) by month of activation (registry time zone), oldest month first. */
export async function activationsByMonth(q: Q, f: ActivationQuery): Promise<ActivationMonth[]> {
  return q<ActivationMonth[]>`
    select to_char(date_trunc('month', cath_lab_activated at time zone ${REGISTRY_TIME_ZONE}), 'YYYY-MM-DD') as month,
           count(*)::int as activations,
           count(*) filter (where (diagnosis is not null and diagnosis <> 'stemi')
                               or (outcome_at is not null and wire is null))::int as "falseActivations"
      from case_metrics
     where network_id = ${f.networkId}
       and cath_lab_activated >= ${f.from} and cath_lab_activated < ${f.to}
       ${f.facilityId ? q`and county_facility_id = ${f.facilityId}` : q``}
     group by 1 order by 1`
}
