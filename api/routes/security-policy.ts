/**
 * `/api/security` (admin of the network): the network's security policy (second factor, password
 * rules, idle timeout, audit retention) and resetting a user's lost second factor. Audit retention
 * cannot go below 6 months here (422) nor in the database (CHECK in migrations/0010_security.sql).
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { Uuid } from '../http/params.ts'
import { problem } from '../../workflows/core/problem.ts'
import { inTx } from '../../workflows/runtime/store/admin.ts'
import { audit } from '../../workflows/runtime/store/audit.ts'
import { endSessionsOf, userInNetwork } from '../../workflows/runtime/store/users.ts'
import { resetMfa } from '../../workflows/runtime/security/mfa-store.ts'
import {
  loadPolicy,
  MIN_AUDIT_RETENTION_MONTHS,
  savePolicy,
  type SecurityPolicy,
} from '../../workflows/runtime/security/policy.ts'
import { requireRole, requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { op, uuidParams, Ok, type Operation } from '../http/contract.ts'
import { deviceOf } from '../http/sign-in.ts'
import { readJson } from '../http/validate.ts'

export const PolicyInput = z.strictObject({
  mfa: z.enum(['off', 'required']),
  passwordMinLength: z.number().int().min(8).max(128),
  passwordMinClasses: z.number().int().min(1).max(4),
  passwordHistory: z.number().int().min(0).max(24),
  idleTimeoutMinutes: z.number().int().min(1).max(1440).nullable(),
  auditRetentionMonths: z.number().int().min(MIN_AUDIT_RETENTION_MONTHS).max(1200),
}) satisfies z.ZodType<SecurityPolicy>

export const securityPolicyRoutes = new Hono<AppEnv>()
  .use(requireUser, requireRole('admin'))
  .get('/policy', async (c) => c.json({ policy: await loadPolicy(c.var.deps.sql, c.var.user.networkId) }))
  .put('/policy', async (c) => {
    const next = await readJson(c, PolicyInput)
    const { sql } = c.var.deps
    const user = c.var.user
    await inTx(sql, async (tx) => {
      const before = await loadPolicy(tx, user.networkId)
      await savePolicy(tx, user.networkId, next, user.id)
      await audit(
        tx,
        { networkId: user.networkId, userId: user.id, device: deviceOf(c) },
        {
          action: 'security_policy.update',
          entity: 'network',
          entityId: user.networkId,
          before,
          after: next,
        },
      )
    })
    return c.json({ policy: next })
  })
  .post('/users/:id/mfa-reset', async (c) => {
    const id = Uuid.safeParse(c.req.param('id'))
    if (!id.success) throw problem('invalid', 'id')
    const { sql } = c.var.deps
    const admin = c.var.user
    const done = await inTx(sql, async (tx) => {
      if (!(await userInNetwork(tx, id.data, admin.networkId))) return false
      await resetMfa(tx, id.data)
      await endSessionsOf(tx, id.data)
      await audit(
        tx,
        { networkId: admin.networkId, userId: admin.id, device: deviceOf(c) },
        {
          action: 'user.mfa_reset',
          entity: 'user',
          entityId: id.data,
          after: { sessionsEnded: true },
        },
      )
      return true
    })
    if (!done) throw problem('not_found', 'id')
    return c.json({ ok: true })
  })

export const securityPolicyContract: Operation[] = [
  op({
    method: 'GET',
    path: '/api/security/policy',
    summary: 'The network security policy',
    roles: 'admin',
    response: z.object({ policy: PolicyInput }),
  }),
  op({
    method: 'PUT',
    path: '/api/security/policy',
    summary: 'Replace the network security policy',
    roles: 'admin',
    body: PolicyInput,
    response: z.object({ policy: PolicyInput }),
  }),
  op({
    method: 'POST',
    path: '/api/security/users/:id/mfa-reset',
    summary: "Reset a user's lost second factor (ends their sessions)",
    roles: 'admin',
    params: uuidParams('id'),
    response: Ok,
  }),
]
