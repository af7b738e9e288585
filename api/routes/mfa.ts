/**
 * Two-factor enrolment (`/api/auth/mfa/*`): signed in (from the account screen), or with the
 * challenge a sign-in answered when the network's policy requires a factor the user has not set up.
 * The secret is shown once, at enrolment, and stored sealed (workflows/runtime/platform/secret-box.ts);
 * confirming with a first code answers the ten recovery codes, also shown once.
 */
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { problem } from '../../workflows/core/problem.ts'
import {
  userBySession,
  findUserForLogin,
  usernameOf,
  type UserRow,
} from '../../workflows/runtime/store/users.ts'
import { audit } from '../../workflows/runtime/store/audit.ts'
import {
  confirmEnrolment,
  dropChallenge,
  mfaOf,
  newRecoveryCodes,
  peekChallenge,
  recoveryCodesLeft,
  startEnrolment,
  takeChallengeAttempt,
} from '../../workflows/runtime/security/mfa-store.ts'
import { loadPolicy, mfaCovers } from '../../workflows/runtime/security/policy.ts'
import { newTotpSecret, totpUri } from '../../workflows/runtime/security/totp.ts'
import { hashToken, requireUser, tokenOf } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { op, type Operation } from '../http/contract.ts'
import { unauthorized } from '../http/errors.ts'
import { checkSecondFactor, deviceOf, openSession, secretBoxOf, setDeviceCookie } from '../http/sign-in.ts'
import { readJson } from '../http/validate.ts'

const Enrol = z.strictObject({ challenge: z.string().min(1).max(100).optional() })
const Confirm = z.strictObject({
  challenge: z.string().min(1).max(100).optional(),
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, 'six digits'),
  remember: z.boolean().optional(),
})

async function userById(c: Context<AppEnv>, id: string): Promise<UserRow | undefined> {
  const name = await usernameOf(c.var.deps.sql, id)
  const u = name === undefined ? undefined : await findUserForLogin(c.var.deps.sql, name)
  return u?.active ? u : undefined
}

/** Who enrols: the holder of a live sign-in challenge, or the signed-in user. */
async function enrollee(c: Context<AppEnv>, challenge: string | undefined): Promise<UserRow> {
  if (challenge !== undefined) {
    const id = await peekChallenge(c.var.deps.sql, challenge)
    const u = id && (await userById(c, id))
    if (!u) throw problem('mfa_invalid', 'challenge')
    return u
  }
  const token = tokenOf(c)
  const u = token && (await userBySession(c.var.deps.sql, hashToken(token)))
  if (!u) throw unauthorized()
  return u
}

export const mfaRoutes = new Hono<AppEnv>()
  .get('/', requireUser, async (c) => {
    const { sql } = c.var.deps
    const user = c.var.user
    const mfa = await mfaOf(sql, user.id)
    const policy = await loadPolicy(sql, user.networkId)
    return c.json({
      enrolled: Boolean(mfa?.confirmedAt),
      required: policy.mfa === 'required' && mfaCovers(user.roles),
      recoveryCodesLeft: mfa?.confirmedAt ? await recoveryCodesLeft(sql, user.id) : 0,
    })
  })
  .post('/enrol', async (c) => {
    const { challenge } = await readJson(c, Enrol)
    const user = await enrollee(c, challenge)
    const box = secretBoxOf(c)
    const secret = newTotpSecret()
    const { sql } = c.var.deps
    if (!(await startEnrolment(sql, user.id, box.seal(secret)))) throw problem('mfa_enrolled')
    await audit(
      sql,
      { networkId: user.networkId, userId: user.id, device: deviceOf(c) },
      {
        action: 'mfa.enrol_start',
        entity: 'user',
        entityId: user.id,
      },
    )
    // The only time the secret leaves the server: the user's authenticator app needs it.
    return c.json({ secret, otpauthUri: totpUri(secret, user.username) })
  })
  .post('/enrol/confirm', async (c) => {
    const { challenge, code, remember } = await readJson(c, Confirm)
    const user = await enrollee(c, challenge)
    const { sql } = c.var.deps
    const mfa = await mfaOf(sql, user.id)
    if (!mfa) throw problem('not_found', 'enrolment')
    if (mfa.confirmedAt) throw problem('mfa_enrolled')
    if (challenge !== undefined && !(await takeChallengeAttempt(sql, challenge)))
      throw problem('mfa_invalid', 'challenge')
    if (!(await checkSecondFactor(c, user.id, code, { requireConfirmed: false })))
      throw problem('mfa_invalid', 'code')
    const recoveryCodes = await sql.begin(async (tx) => {
      await confirmEnrolment(tx, user.id)
      return newRecoveryCodes(tx, user.id)
    })
    await audit(
      sql,
      { networkId: user.networkId, userId: user.id, device: deviceOf(c) },
      {
        action: 'mfa.enrolled',
        entity: 'user',
        entityId: user.id,
        after: { recoveryCodes: recoveryCodes.length },
      },
    )
    if (challenge === undefined) return c.json({ recoveryCodes })
    // Enrolled during a sign-in: that sign-in is now complete.
    await dropChallenge(sql, challenge)
    if (remember) await setDeviceCookie(c, user.id, deviceOf(c))
    const session = await openSession(c, user, {
      device: deviceOf(c),
      remembered: remember ?? false,
      via: 'totp',
    })
    const body = (await session.json()) as Record<string, unknown>
    return c.json({ ...body, recoveryCodes })
  })

export const mfaContract: Operation[] = [
  op({
    method: 'GET',
    path: '/api/auth/mfa',
    summary: 'Second-factor status of the signed-in user',
    roles: 'any',
    response: z.object({ enrolled: z.boolean(), required: z.boolean(), recoveryCodesLeft: z.number().int() }),
  }),
  op({
    method: 'POST',
    path: '/api/auth/mfa/enrol',
    summary: 'Start enrolment: the TOTP secret, shown once',
    roles: 'any, or the holder of a sign-in challenge',
    body: Enrol,
    response: z.object({ secret: z.string(), otpauthUri: z.string() }),
  }),
  op({
    method: 'POST',
    path: '/api/auth/mfa/enrol/confirm',
    summary:
      'Confirm enrolment with a first code → the ten recovery codes (and the session, during a sign-in)',
    roles: 'any, or the holder of a sign-in challenge',
    body: Confirm,
    response: z.looseObject({ recoveryCodes: z.array(z.string()) }),
  }),
]
