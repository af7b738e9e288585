/**
 * Who may see a case: the visibility policy, pure. The runtime and the HTTP edge give it the
 * asking person and the case's facilities; nothing here reads a database.
 */
import { CLINICAL_ROLES, NETWORK_WIDE_ROLES, hasAnyRole } from './roles.ts'

/** The person asking, as far as the policy cares. */
export interface Viewer {
  networkId: string
  roles: readonly string[]
  facilityIds: readonly string[]
}

/** A case, as far as the policy cares: its network, the facility it started at and all it touched. */
export interface CaseScope {
  networkId: string
  facilityId: string
  facilityIds: readonly string[]
}

export const isNetworkWide = (u: Pick<Viewer, 'roles'>) => hasAnyRole(u.roles, NETWORK_WIDE_ROLES)
export const isClinical = (u: Pick<Viewer, 'roles'>) => hasAnyRole(u.roles, CLINICAL_ROLES)

/**
 * People of the same network only; village and township staff only the cases that touched one of
 * their facilities (started there, arrived there, or sent there).
 */
export function canSeeCase(u: Viewer, c: CaseScope): boolean {
  if (u.networkId !== c.networkId) return false
  if (isNetworkWide(u)) return true
  const scope = new Set(u.facilityIds)
  return scope.has(c.facilityId) || c.facilityIds.some((f) => scope.has(f))
}

/** Facility filter for case lists: undefined = whole network. */
export const caseScopeOf = (u: Viewer): string[] | undefined =>
  isNetworkWide(u) ? undefined : [...u.facilityIds]

/**
 * The networks whose pooled QA aggregates a user may read (GET /api/province/metrics): their
 * own network and every network whose admin granted them read access (qa_network_grants), for
 * the QA role only. Null = refused: not QA, or no grant (a one-network QA uses /api/metrics).
 * Aggregates only: a grant never makes another network's case visible (canSeeCase above).
 */
export function provinceScope(
  u: Pick<Viewer, 'networkId' | 'roles'>,
  grantedNetworkIds: readonly string[],
): string[] | null {
  if (!u.roles.includes('qa')) return null
  const others = grantedNetworkIds.filter((n) => n !== u.networkId)
  if (!others.length) return null
  return [u.networkId, ...new Set(others)].sort()
}
