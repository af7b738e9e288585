/**
 * `POST /api/auth/redeem {username, code, newPassword}` (docs/admin-api.md): a user sets their password with
 * the one-time code an admin gave them (first sign-in or reset). Never a password sent in clear by
 * mail: the admin reads the code off the screen to the person.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { hashCode, normaliseCode } from '../../workflows/runtime/admin/users.ts'
import { inTx } from '../../workflows/runtime/store/admin.ts'
import { audit } from '../../workflows/runtime/store/audit.ts'
import { codeFailed, liveCodeFor, redeemCode } from '../../workflows/runtime/store/admin-users.ts'
import { deviceOf } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { op, type Operation } from '../http/contract.ts'
import { problem } from '../http/errors.ts'
import { hashPassword } from '../../workflows/runtime/platform/passwords.ts'
import { readJson } from '../http/validate.ts'
import { clientAddress } from '../http/client-address.ts'
import { takeThrottle } from '../../workflows/runtime/store/throttle.ts'
import { admitNewPassword } from '../../workflows/runtime/security/passwords.ts'
import { timingSafeEqual } from 'node:crypto'

const Redeem = z.strictObject({
  username: z.string().trim().toLowerCase().min(1).max(64),
  code: z.string().trim().min(1).max(40),
  // NIST SP 800-63B: at least 8 characters, no composition rules.
  newPassword: z.string().min(8).max(200),
})

const badCode = () => problem('bad_code')

/** Redeems per client address and for the whole deployment, per window (kept in Postgres). */
export const REDEEM_LIMITS = {
  perAddress: { limit: 10, windowSeconds: 15 * 60 },
  global: { limit: 60, windowSeconds: 60 },
} as const

/** A one-time code as newOneTimeCode writes it (api/routes/admin-users.ts), once normalised. */
const CODE_FORMAT = /^[0-9A-HJKMNP-TV-Z]{12}$/

/**
 * Cheap checks first, the 128 MiB scrypt last: the format of the code, the throttles (per
 * address and global, shared by every process), then whether a live code exists and matches
 * (a SHA-256 compare). Only a right code pays for hashing the new password.
 */
export const redeemRoutes = new Hono<AppEnv>().post('/redeem', async (c) => {
  const body = await readJson(c, Redeem)
  if (!CODE_FORMAT.test(normaliseCode(body.code))) throw badCode()
  const { sql } = c.var.deps
  for (const [key, l] of [
    [`redeem:addr:${clientAddress(c)}`, REDEEM_LIMITS.perAddress],
    ['redeem:global', REDEEM_LIMITS.global],
  ] as const) {
    const t = await takeThrottle(sql, key, l.limit, l.windowSeconds)
    if (!t.allowed) {
      c.header('Retry-After', String(t.retryAfterSeconds))
      throw problem('too_many_requests')
    }
  }
  const matches = (live: { codeHash: string }) => {
    const given = Buffer.from(hashCode(body.code))
    return given.length === live.codeHash.length && timingSafeEqual(given, Buffer.from(live.codeHash))
  }
  const candidate = await liveCodeFor(sql, body.username)
  if (!candidate) throw badCode()
  if (!matches(candidate)) {
    await codeFailed(sql, candidate.id)
    throw badCode()
  }
  const passwordHash = await hashPassword(body.newPassword)
  const ok = await inTx(sql, async (tx) => {
    // Re-read under lock: the code may have been spent or replaced while we hashed.
    const live = await liveCodeFor(tx, body.username)
    if (live?.id !== candidate.id || !matches(live)) return false
    await admitNewPassword(tx, live.userId, body.newPassword) // network password policy + history
    await redeemCode(tx, live.id, live.userId, passwordHash)
    await audit(
      tx,
      { networkId: live.networkId, userId: live.userId, device: deviceOf(c) },
      { action: 'user.redeem_code', entity: 'user', entityId: live.userId, after: { passwordSet: true } },
    )
    return true
  })
  if (!ok) throw badCode()
  return c.json({ ok: true, username: body.username })
})

export const redeemContract: Operation[] = [
  op({
    method: 'POST',
    path: '/api/auth/redeem',
    summary: 'Set a password with a one-time code from an admin',
    roles: 'public',
    body: Redeem,
    response: z.object({ ok: z.literal(true), username: z.string() }),
  }),
]
