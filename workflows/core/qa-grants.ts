/**
 * Who a network's admin may grant province QA read access to (GET /api/province/metrics reads
 * the granted networks' aggregates, provinceScope in ./access.ts; docs/qa-api.md "Province").
 *
 * The grantee is named by login name, which is unique across the installation (users.username,
 * migrations/0001_foundation.sql). What the refusal may reveal about a user of another network is
 * kept to the least: "no such user", "deactivated" and "not QA" are ONE answer
 * (`qa_grantee_unknown`), so an admin cannot use this form to learn another network's roles or
 * staff changes. Whether a login name exists at all is already answered by creating a user with
 * it (`username_taken`), so it is not a secret this form could keep. A user of the admin's own
 * network is named as such (`qa_grantee_own_network`): the admin sees their own people anyway.
 */
import { problemOf, type Problem } from './problem.ts'

/** The named user as the database knows them; null when no user has that login name. */
export interface GranteeCandidate {
  networkId: string
  active: boolean
  roles: readonly string[]
}

/** The refusal of a grant to `candidate` by the admin of `adminNetworkId`, or null when it may be made. */
export function grantProblem(
  candidate: GranteeCandidate | null,
  adminNetworkId: string,
  alreadyGranted: boolean,
): Problem | null {
  if (candidate?.networkId === adminNetworkId) return problemOf('qa_grantee_own_network', 'username')
  if (!candidate || !candidate.active || !candidate.roles.includes('qa'))
    return problemOf('qa_grantee_unknown', 'username')
  if (alreadyGranted) return problemOf('qa_grant_exists', 'username')
  return null
}
