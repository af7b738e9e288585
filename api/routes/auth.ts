import { getConnInfo } from '@hono/node-server/conninfo'
import { Hono, type Context } from 'hono'
import { deleteCookie, setCookie } from 'hono/cookie'
import { z } from 'zod'
import { createSession, deleteSession, findUserForLogin } from '../../workflows/runtime/store/users.ts'
import { hashToken, newToken, requireUser, SESSION_COOKIE, tokenOf } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { problem } from '../http/errors.ts'
import { verifyPassword } from '../../workflows/runtime/platform/passwords.ts'
import { readJson } from '../http/validate.ts'

export const Login = z.object({
  username: z.string().trim().toLowerCase().min(1).max(64),
  password: z.string().min(1).max(200),
  device: z.string().max(200).optional(),
})

// A fixed hash to compare against when the user does not exist, so timing does not reveal usernames.
const DUMMY_HASH = 'scrypt$131072$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'

function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown'
  } catch {
    return 'local' // app.request() in tests has no socket
  }
}

export const authRoutes = new Hono<AppEnv>()
  .post('/login', async (c) => {
    const { username, password, device } = await readJson(c, Login)
    const { sql, config } = c.var.deps
    const throttle = c.var.deps.loginThrottle
    const key = `${clientAddress(c)}|${username}`
    const wait = throttle.retryAfter(key)
    if (wait > 0) {
      c.header('Retry-After', String(wait))
      throw problem('too_many_attempts', undefined, { wait })
    }
    const user = await findUserForLogin(sql, username)
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH)
    if (!user || !ok || !user.active) {
      throttle.fail(key)
      throw problem('bad_credentials')
    }
    throttle.succeed(key)
    const token = newToken()
    const expiresAt = await createSession(sql, {
      tokenHash: hashToken(token),
      userId: user.id,
      ttlMs: config.sessionTtlMs,
      device: device ?? c.req.header('user-agent')?.slice(0, 200) ?? null,
    })
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'Strict',
      secure: config.publicUrl.startsWith('https://'),
      path: '/',
      expires: expiresAt,
    })
    const { passwordHash: _omit, ...pub } = user
    return c.json({ token, expiresAt: expiresAt.toISOString(), user: pub })
  })
  .post('/logout', async (c) => {
    const token = tokenOf(c)
    if (token) await deleteSession(c.var.deps.sql, hashToken(token))
    deleteCookie(c, SESSION_COOKIE, { path: '/' })
    return c.json({ ok: true })
  })

export const meRoutes = new Hono<AppEnv>().use(requireUser).get('/', (c) => c.json({ user: c.var.user }))
