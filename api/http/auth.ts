import { createHash, randomBytes } from 'node:crypto'
import type { Context } from 'hono'
import { getCookie } from 'hono/cookie'
import { createMiddleware } from 'hono/factory'
import type { Role } from '../../workflows/core/index.ts'
import { userBySession, type UserRow } from '../../workflows/runtime/store/users.ts'
import { deviceString } from '../../workflows/runtime/context.ts'
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

/** The device string of this request (one truncation rule, workflows/runtime/context.ts). */
export const deviceOf = (c: Context): string | null => deviceString(c.req.header('user-agent'))

/**
 * The request context: every route after this knows who is asking (cookie or `Authorization:
 * Bearer`), and `c.var.ctx` carries it — network, person, roles, scope, device, request id —
 * to the runtime commands and the audit writer.
 */
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  const token = tokenOf(c)
  if (!token) throw unauthorized()
  const tokenHash = hashToken(token)
  const cache = c.var.deps.sessions
  let user = cache?.get(tokenHash)
  if (!user) {
    user = await userBySession(c.var.deps.sql, tokenHash)
    if (!user) throw unauthorized()
    cache?.set(tokenHash, user)
  }
  c.set('user', user)
  c.set('tokenHash', tokenHash)
  c.set('ctx', {
    networkId: user.networkId,
    userId: user.id,
    displayName: user.displayName,
    roles: user.roles,
    facilityIds: user.facilityIds,
    device: deviceOf(c),
    requestId: c.var.requestId,
  })
  await next()
})

export const hasRole = (user: UserRow, ...roles: Role[]) => roles.some((r) => user.roles.includes(r))

/** Role gate for a sub-app or route. */
export const requireRole = (...roles: Role[]) =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (!hasRole(c.var.user, ...roles)) throw forbidden()
    await next()
  })
