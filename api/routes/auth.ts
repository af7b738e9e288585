/**
 * Sign-in (docs/security.md): password, then — for accounts the network's policy covers, or that
 * enrolled themselves — a TOTP code or a recovery code. The answer to a correct password is then
 * `{mfaRequired: true, challenge, enrol}`; `POST /mfa {challenge, code, remember}` completes it.
 * A device remembered after the second factor (cookie xl_device, 30 days, revocable) signs in with
 * the password alone and passes the throttle, so the on-call phone stays usable at 3 a.m.
 */
import { Hono } from 'hono'
import { deleteCookie, getCookie } from 'hono/cookie'
import { z } from 'zod'
import { Uuid } from '../http/params.ts'
import { problem } from '../../workflows/core/problem.ts'
import { ROLES } from '../../workflows/core/roles.ts'
import { deleteSession, findUserForLogin, usernameOf } from '../../workflows/runtime/store/users.ts'
import { audit } from '../../workflows/runtime/store/audit.ts'
import { hashToken, requireUser, SESSION_COOKIE, tokenOf } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { op, uuidParams, IsoTime, Ok, type Operation } from '../http/contract.ts'
import { verifyPassword } from '../../workflows/runtime/platform/passwords.ts'
import { readJson } from '../http/validate.ts'
import { loadPolicy, mfaCovers } from '../../workflows/runtime/security/policy.ts'
import {
  createChallenge,
  deviceUser,
  dropChallenge,
  mfaOf,
  revokeDevices,
  takeChallengeAttempt,
} from '../../workflows/runtime/security/mfa-store.ts'
import {
  checkSecondFactor,
  clientAddress,
  DEVICE_COOKIE,
  DEVICE_COOKIE_PATH,
  deviceOf,
  openSession,
  setDeviceCookie,
} from '../http/sign-in.ts'
import { mfaRoutes } from './mfa.ts'
import { revokeAllSessions, revokeSession, sessionsOf } from '../../workflows/runtime/security/sessions.ts'
import { changeOwnPassword } from '../../workflows/runtime/security/passwords.ts'

export const Login = z.object({
  username: z.string().trim().toLowerCase().min(1).max(64),
  password: z.string().min(1).max(200),
  device: z.string().max(200).optional(),
  /** A TOTP or recovery code sent with the password: completes a two-factor sign-in in one call. */
  code: z.string().trim().min(1).max(20).optional(),
})

const SecondFactor = z.strictObject({
  challenge: z.string().min(1).max(100),
  code: z.string().trim().min(1).max(20),
  remember: z.boolean().optional(),
})

const ChangePassword = z.strictObject({
  currentPassword: z.string().min(1).max(200),
  newPassword: z.string().min(1).max(200),
})

// A fixed hash to compare against when the user does not exist, so timing does not reveal usernames.
const DUMMY_HASH = 'scrypt$131072$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'

export const authRoutes = new Hono<AppEnv>()
  .post('/login', async (c) => {
    const { username, password, device: givenDevice, code } = await readJson(c, Login)
    const { sql, loginThrottle: throttle } = c.var.deps
    const address = clientAddress(c)
    const device = deviceOf(c, givenDevice)
    const deviceToken = getCookie(c, DEVICE_COOKIE)

    // Cheap checks first; a remembered device (one indexed lookup) or a second factor passes them.
    const verdict = await throttle.check(sql, address, username)
    const user = await findUserForLogin(sql, username)
    const rememberedDevice =
      deviceToken !== undefined && user !== undefined && (await deviceUser(sql, deviceToken)) === user.id
    let secondFactor: 'totp' | 'recovery' | null = null
    if (code !== undefined && user && (await throttle.codeAllowed(sql, username))) {
      secondFactor = await checkSecondFactor(c, user.id, code, { requireConfirmed: true })
      if (!secondFactor) await throttle.failCode(sql, address, username)
    }
    if (verdict.blocked && !rememberedDevice && !secondFactor) {
      c.header('Retry-After', String(verdict.retryAfterS))
      throw problem('too_many_attempts', undefined, { s: verdict.retryAfterS })
    }
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH)
    if (!user || !ok || !user.active) {
      await throttle.fail(sql, address, username)
      if (user)
        await audit(
          sql,
          { networkId: user.networkId, userId: user.id, device },
          {
            action: 'auth.login_failed',
            entity: 'user',
            entityId: user.id,
            after: { address, limit: verdict.blocked ? verdict.limit : null },
          },
        )
      throw problem('bad_credentials')
    }
    await throttle.succeed(sql, username)

    const mfa = await mfaOf(sql, user.id)
    const enrolled = Boolean(mfa?.confirmedAt)
    const needed =
      enrolled || (mfaCovers(user.roles) && (await loadPolicy(sql, user.networkId)).mfa === 'required')
    if (!needed) return openSession(c, user, { device, remembered: false, via: 'password' })
    if (rememberedDevice) return openSession(c, user, { device, remembered: true, via: 'remembered_device' })
    if (secondFactor && enrolled)
      return openSession(c, user, { device, remembered: false, via: secondFactor })
    const challenge = await createChallenge(sql, user.id, device)
    return c.json({ mfaRequired: true as const, challenge, enrol: !enrolled })
  })
  .post('/mfa', async (c) => {
    const { challenge, code, remember } = await readJson(c, SecondFactor)
    const { sql } = c.var.deps
    const pending = await takeChallengeAttempt(sql, challenge)
    if (!pending) throw problem('mfa_invalid', 'challenge')
    const via = await checkSecondFactor(c, pending.userId, code, { requireConfirmed: true })
    if (!via) throw problem('mfa_invalid', 'code')
    await dropChallenge(sql, challenge)
    const name = await usernameOf(sql, pending.userId)
    const full = name === undefined ? undefined : await findUserForLogin(sql, name)
    if (!full?.active) throw problem('mfa_invalid', 'challenge')
    if (remember) await setDeviceCookie(c, full.id, pending.device)
    return openSession(c, full, { device: pending.device, remembered: remember ?? false, via })
  })
  .route('/mfa', mfaRoutes)
  .post('/logout', async (c) => {
    const token = tokenOf(c)
    if (token) {
      await deleteSession(c.var.deps.sql, hashToken(token))
      c.var.deps.sessions?.forget(hashToken(token))
    }
    deleteCookie(c, SESSION_COOKIE, { path: '/' })
    return c.json({ ok: true })
  })
  .get('/sessions', requireUser, async (c) => {
    const rows = await sessionsOf(c.var.deps.sql, c.var.user.id, c.var.tokenHash)
    return c.json({ sessions: rows })
  })
  .post('/sessions/revoke-all', requireUser, async (c) => {
    const { sql } = c.var.deps
    const user = c.var.user
    const sessions = await revokeAllSessions(sql, user.id)
    const devices = await revokeDevices(sql, user.id)
    await audit(
      sql,
      { networkId: user.networkId, userId: user.id, device: deviceOf(c) },
      {
        action: 'auth.sign_out_everywhere',
        entity: 'user',
        entityId: user.id,
        after: { sessions, devices },
      },
    )
    deleteCookie(c, SESSION_COOKIE, { path: '/' })
    deleteCookie(c, DEVICE_COOKIE, { path: DEVICE_COOKIE_PATH })
    return c.json({ revoked: sessions, devicesForgotten: devices })
  })
  .delete('/sessions/:id', requireUser, async (c) => {
    const id = Uuid.safeParse(c.req.param('id'))
    if (!id.success) throw problem('invalid', 'id')
    const { sql } = c.var.deps
    if (!(await revokeSession(sql, c.var.user.id, id.data))) throw problem('not_found', 'id')
    await audit(
      sql,
      { networkId: c.var.user.networkId, userId: c.var.user.id, device: deviceOf(c) },
      {
        action: 'auth.session_revoke',
        entity: 'session',
        entityId: id.data,
      },
    )
    return c.json({ ok: true })
  })
  .post('/password', requireUser, async (c) => {
    const body = await readJson(c, ChangePassword)
    await changeOwnPassword(c.var.deps.sql, c.var.user, body, c.var.tokenHash, deviceOf(c))
    return c.json({ ok: true })
  })

export const meRoutes = new Hono<AppEnv>().use(requireUser).get('/', (c) => c.json({ user: c.var.user }))

const UserJson = z.object({
  id: z.uuid(),
  networkId: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  active: z.boolean(),
  roles: z.array(z.enum(ROLES)),
  facilityIds: z.array(z.uuid()),
})
export const SessionAnswer = z.object({
  token: z.string(),
  expiresAt: IsoTime,
  user: UserJson,
})
const MfaRequired = z.object({ mfaRequired: z.literal(true), challenge: z.string(), enrol: z.boolean() })

export const authContract: Operation[] = [
  op({
    method: 'POST',
    path: '/api/auth/login',
    summary: 'Sign in → {token, user} + HttpOnly session cookie, or {mfaRequired, challenge, enrol}',
    roles: 'public',
    body: Login,
    response: z.union([SessionAnswer, MfaRequired]),
  }),
  op({
    method: 'POST',
    path: '/api/auth/mfa',
    summary: 'Complete a two-factor sign-in with the challenge and a TOTP or recovery code',
    roles: 'public (sign-in challenge)',
    body: SecondFactor,
    response: SessionAnswer,
  }),
  op({ method: 'POST', path: '/api/auth/logout', summary: 'End the session', roles: 'any', response: Ok }),
  op({
    method: 'GET',
    path: '/api/auth/sessions',
    summary: "One's own sessions",
    roles: 'any',
    response: z.object({
      sessions: z.array(
        z.object({
          id: z.uuid(),
          device: z.string().nullable(),
          createdAt: IsoTime,
          lastSeenAt: IsoTime,
          expiresAt: IsoTime,
          remembered: z.boolean(),
          current: z.boolean(),
        }),
      ),
    }),
  }),
  op({
    method: 'POST',
    path: '/api/auth/sessions/revoke-all',
    summary: 'Sign out everywhere: every session and remembered device',
    roles: 'any',
    response: z.object({ revoked: z.number().int(), devicesForgotten: z.number().int() }),
  }),
  op({
    method: 'DELETE',
    path: '/api/auth/sessions/:id',
    summary: 'Revoke one of your sessions',
    roles: 'any (own)',
    params: uuidParams('id'),
    response: Ok,
  }),
  op({
    method: 'POST',
    path: '/api/auth/password',
    summary: 'Change own password (network password policy)',
    roles: 'any',
    body: ChangePassword,
    response: Ok,
  }),
  op({
    method: 'GET',
    path: '/api/me',
    summary: 'The signed-in user',
    roles: 'any',
    response: z.object({ user: UserJson }),
  }),
]
