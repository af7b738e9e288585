/** The stored case as the views read it: a plain type, no database handle. */
import type { CaseInfo, Patient } from '../core/index.ts'

export interface CaseRow {
  id: string
  networkId: string
  facilityId: string
  patient: Patient & { name?: string; recordNumber?: string }
  createdBy: string
  createdAt: Date
  status: 'active' | 'closed'
  phase: string
  updatedAt: Date
  facilityIds: string[]
}

export const caseInfoOf = (c: CaseRow): CaseInfo => ({
  id: c.id,
  networkId: c.networkId,
  facilityId: c.facilityId,
  patient: c.patient,
  createdBy: c.createdBy,
})
