/**
 * Setting a password under the network's policy: complexity (workflows/runtime/security/policy.ts)
 * and history (the current and the last N-1 earlier hashes may not match). Cheap checks first:
 * complexity costs nothing, each history comparison is one scrypt.
 */
import { problem } from '../../core/problem.ts'
import type { Q, Sql } from '../platform/connect.ts'
import { hashPassword, verifyPassword } from '../platform/passwords.ts'
import { inTx } from '../store/admin.ts'
import { audit } from '../store/audit.ts'
import type { UserRow } from '../store/users.ts'
import { complexityProblem, loadPolicy } from './policy.ts'

/**
 * Throws `password_policy` / `password_reused` (422, field `newPassword`), or records the current
 * hash in the history so the caller may now store the new one.
 */
export async function admitNewPassword(q: Q, userId: string, newPassword: string): Promise<void> {
  const [u] = await q<{ networkId: string; passwordHash: string }[]>`
    select network_id as "networkId", password_hash as "passwordHash" from users where id = ${userId}`
  if (!u) throw problem('not_found', 'user')
  const policy = await loadPolicy(q, u.networkId)
  const weak = complexityProblem(newPassword, policy)
  if (weak) throw problem('password_policy', 'newPassword', weak)
  if (policy.passwordHistory > 0) {
    const earlier = await q<{ passwordHash: string }[]>`
      select password_hash as "passwordHash" from password_history
       where user_id = ${userId} order by set_at desc limit ${Math.max(0, policy.passwordHistory - 1)}`
    for (const h of [u.passwordHash, ...earlier.map((e) => e.passwordHash)]) {
      if (await verifyPassword(newPassword, h))
        throw problem('password_reused', 'newPassword', { n: policy.passwordHistory })
    }
  }
  await q`insert into password_history (user_id, password_hash) values (${userId}, ${u.passwordHash})`
}

/** The signed-in user changes their own password; their other sessions end. */
export async function changeOwnPassword(
  sql: Sql,
  user: UserRow,
  body: { currentPassword: string; newPassword: string },
  currentTokenHash: string,
  device: string | null,
): Promise<void> {
  const [u] = await sql<
    { passwordHash: string }[]
  >`select password_hash as "passwordHash" from users where id = ${user.id}`
  if (!u || !(await verifyPassword(body.currentPassword, u.passwordHash)))
    throw problem('bad_credentials', 'currentPassword')
  await inTx(sql, async (tx) => {
    await tx`select 1 from users where id = ${user.id} for update`
    await admitNewPassword(tx, user.id, body.newPassword)
    const hash = await hashPassword(body.newPassword)
    await tx`update users set password_hash = ${hash} where id = ${user.id}`
    await tx`delete from sessions where user_id = ${user.id} and token_hash <> ${currentTokenHash}`
    await audit(
      tx,
      { networkId: user.networkId, userId: user.id, device },
      {
        action: 'user.change_password',
        entity: 'user',
        entityId: user.id,
        after: { otherSessionsEnded: true },
      },
    )
  })
}
