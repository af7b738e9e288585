/**
 * `POST /api/auth/redeem {username, code, newPassword}` (issue 8): a user sets their password with
 * the one-time code an admin gave them (first sign-in or reset). Never a password sent in clear by
 * mail: the admin reads the code off the screen to the person.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { inTx, writeAudit } from '../../workflows/runtime/store/admin.ts'
import { codeFailed, liveCodeFor, redeemCode } from '../../workflows/runtime/store/admin-users.ts'
import type { AppEnv } from '../http/env.ts'
import { ApiError } from '../http/errors.ts'
import { hashPassword } from '../../workflows/runtime/platform/passwords.ts'
import { readJson } from '../http/validate.ts'
import { admitNewPassword } from '../../workflows/runtime/security/passwords.ts'
import { hashCode } from './admin-users.ts'
import { timingSafeEqual } from 'node:crypto'

const Redeem = z.strictObject({
  username: z.string().trim().toLowerCase().min(1).max(64),
  code: z.string().trim().min(1).max(40),
  // NIST SP 800-63B: at least 8 characters, no composition rules.
  newPassword: z.string().min(8).max(200),
})

const badCode = () =>
  new ApiError(
    401,
    'bad_code',
    'Wrong or expired code: ask your network admin for a new one / 验证码错误或已过期，请联系网络管理员',
  )

export const redeemRoutes = new Hono<AppEnv>().post('/redeem', async (c) => {
  const body = await readJson(c, Redeem)
  const { sql } = c.var.deps
  const passwordHash = await hashPassword(body.newPassword)
  const ok = await inTx(sql, async (tx) => {
    const live = await liveCodeFor(tx, body.username)
    if (!live) return false
    const given = Buffer.from(hashCode(body.code))
    if (given.length !== live.codeHash.length || !timingSafeEqual(given, Buffer.from(live.codeHash))) {
      await codeFailed(tx, live.id)
      return false
    }
    await admitNewPassword(tx, live.userId, body.newPassword) // network password policy + history
    await redeemCode(tx, live.id, live.userId, passwordHash)
    await writeAudit(tx, {
      networkId: live.networkId,
      actorId: live.userId,
      action: 'user.redeem_code',
      entity: 'user',
      entityId: live.userId,
      before: null,
      after: { passwordSet: true },
      device: c.req.header('user-agent')?.slice(0, 200) ?? null,
    })
    return true
  })
  if (!ok) throw badCode()
  return c.json({ ok: true, username: body.username })
})
