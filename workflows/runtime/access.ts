import type { UserRow } from './store/users.ts'
import type { CaseRow } from './store/cases.ts'

/** Roles that work across the whole network (county staff, QA, admin). */
const NETWORK_WIDE = ['cardiologist', 'cath_lab', 'qa', 'admin'] as const
/** Roles that may record clinical events. QA audits, admins configure: neither records care. */
const CLINICAL = ['village_doctor', 'township_physician', 'cardiologist', 'cath_lab', 'ems_crew'] as const

export const isNetworkWide = (u: UserRow) =>
  u.roles.some((r) => (NETWORK_WIDE as readonly string[]).includes(r))
export const isClinical = (u: UserRow) => u.roles.some((r) => (CLINICAL as readonly string[]).includes(r))

/**
 * Who may see a case: people of the same network only; village and township staff only the
 * cases that touched one of their facilities (started there, arrived there, or sent there).
 */
export function canSeeCase(
  u: UserRow,
  c: Pick<CaseRow, 'networkId' | 'facilityIds' | 'facilityId'>,
): boolean {
  if (u.networkId !== c.networkId) return false
  if (isNetworkWide(u)) return true
  const scope = new Set(u.facilityIds)
  return scope.has(c.facilityId) || c.facilityIds.some((f) => scope.has(f))
}

/** Facility filter for case lists: undefined = whole network. */
export const caseScopeOf = (u: UserRow): string[] | undefined =>
  isNetworkWide(u) ? undefined : u.facilityIds
