import { createHash, randomBytes } from 'node:crypto'
import type { Context } from 'hono'
import { getCookie } from 'hono/cookie'
import { createMiddleware } from 'hono/factory'
import type { Role } from '../../workflows/core/index.ts'
import { userBySession, type UserRow } from '../../workflows/runtime/store/users.ts'
import type { AppEnv } from './env.ts'
import { forbidden, unauthorized } from './errors.ts'

export const SESSION_COOKIE = 'xl_session'

export const newToken = () => randomBytes(32).toString('base64url')
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex')

export function tokenOf(c: Context): string | undefined {
  const header = c.req.header('authorization')
  if (header?.toLowerCase().startsWith('bearer ')) return header.slice(7).trim()
  return getCookie(c, SESSION_COOKIE)
}

/** Every route after this knows who is asking: cookie or `Authorization: Bearer`. */
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  const token = tokenOf(c)
  if (!token) throw unauthorized()
  const user = await userBySession(c.var.deps.sql, hashToken(token))
  if (!user) throw unauthorized()
  c.set('user', user)
  c.set('tokenHash', hashToken(token))
  await next()
})

export const hasRole = (user: UserRow, ...roles: Role[]) => roles.some((r) => user.roles.includes(r))

/** Role gate for a sub-app or route. */
export const requireRole = (...roles: Role[]) =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (!hasRole(c.var.user, ...roles)) throw forbidden()
    await next()
  })
