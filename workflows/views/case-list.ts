/** One row of the case list (`GET /api/cases`): the phase, where the patient is, what is still due. */
import { plan, type CaseState, type NetworkInfo } from '../core/index.ts'
import type { CaseRow } from './case-row.ts'
import { deadlineJson, iso } from './time.ts'

export function caseListRow(r: CaseRow, state: CaseState, network: NetworkInfo, now: number) {
  const facilityName = (id: string) => network.facilities.find((f) => f.id === id)?.name ?? null
  return {
    id: r.id,
    phase: state.phase,
    status: r.status,
    patient: r.patient,
    facilityId: r.facilityId,
    facilityName: facilityName(r.facilityId),
    currentFacilityId: state.currentFacilityId,
    currentFacilityName: facilityName(state.currentFacilityId),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    fmcAt: iso(state.points.fmc),
    deadlines: plan(state, network, now)
      .filter((d) => d.status !== 'met')
      .map(deadlineJson),
  }
}
