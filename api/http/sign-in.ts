import { clientAddress as trustedClientAddress } from './client-address.ts'
/**
 * What the sign-in routes share (api/routes/auth.ts, api/routes/mfa.ts): the client address, the
 * device label, opening a session, checking a second factor and the remembered-device cookie.
 */
import type { Context } from 'hono'
import { setCookie } from 'hono/cookie'
import { problem } from '../../workflows/core/problem.ts'
import { createSession, type UserRow } from '../../workflows/runtime/store/users.ts'
import { audit } from '../../workflows/runtime/store/audit.ts'
import type { SecretBox } from '../../workflows/runtime/platform/secret-box.ts'
import { log } from '../../workflows/runtime/platform/log.ts'
import {
  DEVICE_TTL_DAYS,
  mfaOf,
  rememberDevice,
  useRecoveryCode,
  useStep,
} from '../../workflows/runtime/security/mfa-store.ts'
import { verifyTotp } from '../../workflows/runtime/security/totp.ts'
import { hashToken, newToken, SESSION_COOKIE } from './auth.ts'
import type { AppEnv } from './env.ts'

export const DEVICE_COOKIE = 'xl_device'
/** The device cookie is sent to the sign-in routes only. */
export const DEVICE_COOKIE_PATH = '/api/auth'

/**
 * The client's address as the socket sees it: the one place the sign-in code reads it. Until the
 * edge has one trusted-proxy-aware helper, behind a reverse proxy this is the proxy's address
 * (the throttle is built so that this cannot lock anyone out, api/http/login-throttle.ts).
 */
/** The client address as the rate limits see it: the configured proxy header only (client-address.ts). */
export const clientAddress = (c: Context): string => trustedClientAddress(c as Context<AppEnv>)

export const deviceOf = (c: Context, given?: string) =>
  given ?? c.req.header('user-agent')?.slice(0, 200) ?? null

const secure = (c: Context<AppEnv>) => c.var.deps.config.publicUrl.startsWith('https://')

export function secretBoxOf(c: Context<AppEnv>): SecretBox {
  const box = c.var.deps.secretBox
  if (!box) {
    log.error('two-factor sign-in needs XINLIAN_SECRET_KEY (64 hex characters); it is not set')
    throw problem('secret_key_missing')
  }
  return box
}

/** A TOTP code (6 digits) or a recovery code of the user's factor; each is accepted once. */
export async function checkSecondFactor(
  c: Context<AppEnv>,
  userId: string,
  code: string,
  opts: { requireConfirmed: boolean },
): Promise<'totp' | 'recovery' | null> {
  const { sql } = c.var.deps
  const mfa = await mfaOf(sql, userId)
  if (!mfa || (opts.requireConfirmed && !mfa.confirmedAt)) return null
  if (/^\d{6}$/.test(code)) {
    const secret = secretBoxOf(c).open(mfa.secretSealed)
    const step = await verifyTotp(secret, code, { nowMs: Date.now(), afterStep: mfa.lastStep })
    return step !== null && (await useStep(sql, userId, step)) ? 'totp' : null
  }
  if (!mfa.confirmedAt) return null
  return (await useRecoveryCode(sql, userId, code)) ? 'recovery' : null
}

export async function setDeviceCookie(c: Context<AppEnv>, userId: string, device: string | null) {
  const d = await rememberDevice(c.var.deps.sql, userId, device)
  setCookie(c, DEVICE_COOKIE, d.token, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: secure(c),
    path: DEVICE_COOKIE_PATH,
    maxAge: DEVICE_TTL_DAYS * 86_400,
  })
}

/** Open a session and answer as the login always did: `{token, expiresAt, user}` (+ the cookie). */
export async function openSession(
  c: Context<AppEnv>,
  user: UserRow,
  o: { device: string | null; remembered: boolean; via: string },
) {
  const { token, expiresAt } = await startSession(c, user, o)
  const pub: UserRow = {
    id: user.id,
    networkId: user.networkId,
    username: user.username,
    displayName: user.displayName,
    active: user.active,
    roles: user.roles,
    facilityIds: user.facilityIds,
  }
  return c.json({ token, expiresAt: expiresAt.toISOString(), user: pub })
}

/**
 * The session itself, for every way of signing in (password, second factor, WeCom's web
 * authorization): the row, the audit record naming how, and the cookie — one set of rules.
 */
export async function startSession(
  c: Context<AppEnv>,
  user: UserRow,
  o: { device: string | null; remembered: boolean; via: string },
): Promise<{ token: string; expiresAt: Date }> {
  const { sql, config } = c.var.deps
  const token = newToken()
  const expiresAt = await createSession(sql, {
    tokenHash: hashToken(token),
    userId: user.id,
    ttlMs: config.sessionTtlMs,
    device: o.device,
    remembered: o.remembered,
  })
  await audit(
    sql,
    { networkId: user.networkId, userId: user.id, device: o.device },
    {
      action: 'auth.login',
      entity: 'user',
      entityId: user.id,
      after: { via: o.via, remembered: o.remembered, address: clientAddress(c) },
    },
  )
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: secure(c),
    path: '/',
    expires: expiresAt,
  })
  return { token, expiresAt }
}
