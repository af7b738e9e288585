/**
 * Province QA read access (docs/qa-api.md "Province"): the network's admin grants a named QA user
 * of another network (the health commission's QA person) read access to this network's QA
 * aggregates, and revokes it. Each command owns its transaction and its audit row, written in the
 * granting network's trail (docs/admin-api.md, Audit).
 */
import { problem, ProblemError } from '../../core/problem.ts'
import { grantProblem } from '../../core/qa-grants.ts'
import type { AuditCtx } from '../context.ts'
import type { Sql } from '../platform/connect.ts'
import { inTx } from '../store/admin.ts'
import { audit } from '../store/audit.ts'
import {
  deleteGrant,
  granteeByUsername,
  hasGrant,
  insertGrant,
  networkGrants,
  type QaGrant,
} from '../store/qa-grants.ts'

/** What the audit row keeps of a grant: whom it opened the aggregates to (the row has who and when). */
const audited = (g: QaGrant) => ({
  userId: g.userId,
  username: g.username,
  displayName: g.displayName,
  network: g.network.name,
})

/** Grant `username` read access to the caller's network's aggregates → the grant. */
export async function grantQaAccess(sql: Sql, ctx: AuditCtx, username: string): Promise<QaGrant> {
  return inTx(sql, async (tx) => {
    const candidate = await granteeByUsername(tx, username)
    const already = candidate ? await hasGrant(tx, ctx.networkId, candidate.id) : false
    const refused = grantProblem(candidate ?? null, ctx.networkId, already)
    if (refused) throw new ProblemError(refused)
    // `candidate` is defined here: grantProblem refuses a missing user.
    const userId = candidate!.id
    if (!(await insertGrant(tx, { networkId: ctx.networkId, userId, grantedBy: ctx.userId })))
      throw problem('qa_grant_exists', 'username')
    const [grant] = await networkGrants(tx, ctx.networkId, userId)
    await audit(tx, ctx, {
      action: 'qa_grant.create',
      entity: 'qa_grant',
      entityId: userId,
      before: null,
      after: audited(grant!),
    })
    return grant!
  })
}

/**
 * Revoke the caller's network's grant to `userId` → the grant as it was. No such grant (never
 * made, already revoked, or another network's) → 404, nothing written: the repeat of a revoke
 * changes nothing, and says so.
 */
export async function revokeQaAccess(sql: Sql, ctx: AuditCtx, userId: string): Promise<QaGrant> {
  return inTx(sql, async (tx) => {
    const [grant] = await networkGrants(tx, ctx.networkId, userId)
    // A concurrent revoke of the same grant deletes nothing here: the same 404 as a repeat.
    if (!grant || !(await deleteGrant(tx, ctx.networkId, userId))) throw problem('not_found')
    await audit(tx, ctx, {
      action: 'qa_grant.revoke',
      entity: 'qa_grant',
      entityId: userId,
      before: audited(grant),
      after: null,
    })
    return grant
  })
}
