import { Hono } from 'hono'
import { z } from 'zod'
import { problem } from '../../workflows/core/problem.ts'
import { allowedEndpointHost } from '../../workflows/runtime/push/endpoint-guard.ts'
import { acknowledgeReadiness, readinessOverview } from '../../workflows/runtime/push/readiness.ts'
import {
  attemptsOf,
  deleteOwnSubscription,
  subscriptionsOfUser,
  upsertSubscription,
} from '../../workflows/runtime/push/store.ts'
import { loadVapid } from '../../workflows/runtime/push/vapid.ts'
import { getCase } from '../../workflows/runtime/store/cases.ts'
import { requireRole, requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { op, uuidParams, IsoTime, IsoTimeOrNull, type Operation } from '../http/contract.ts'
import { idParam } from '../http/params.ts'
import { readJson, readQuery } from '../http/validate.ts'

const base64urlOf = (bytes: number, what: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+=*$/, `${what} must be base64url`)
    .refine((s) => Buffer.from(s, 'base64url').length === bytes, `${what} must be ${bytes} bytes`)

/** A browser `PushSubscription.toJSON()`, plus an optional device label. */
export const SubscriptionBody = z.object({
  endpoint: z.string().max(2048),
  expirationTime: z.number().nullable().optional(),
  keys: z.object({
    // P-256 public key, uncompressed point (RFC 8291)
    p256dh: base64urlOf(65, 'p256dh'),
    // 16-byte authentication secret (RFC 8291)
    auth: base64urlOf(16, 'auth'),
  }),
  // A label or the user agent (the PWA sends up to 120 characters of navigator.userAgent).
  device: z.string().trim().max(300).optional(),
})

export const EndpointBody = z.object({ endpoint: z.string().max(2048) })
const AttemptsQuery = z.object({ caseId: z.uuid().optional() })

/**
 * Web Push: the VAPID public key, the caller's subscriptions, the attempts log (QA/admin) and
 * on-call readiness (`GET /readiness` for admins; `POST /readiness/:id/ack` is the tap).
 */
export const pushRoutes = new Hono<AppEnv>()
  .get('/public-key', async (c) => {
    const { sql, config } = c.var.deps
    const vapid = await loadVapid(sql, config.vapid, config.vapidSubject)
    return c.json({ publicKey: vapid.publicKey })
  })
  .use(requireUser)
  .post('/subscriptions', async (c) => {
    const body = await readJson(c, SubscriptionBody)
    const { sql, config } = c.var.deps
    // SSRF guard: the server will call this URL; only https push services on the allow-list.
    if (!allowedEndpointHost(body.endpoint, config.pushAllowedHosts))
      throw problem('endpoint_not_allowed', 'endpoint')
    const device = body.device ?? c.var.ctx.device
    const r = await upsertSubscription(sql, {
      userId: c.var.ctx.userId,
      endpoint: body.endpoint,
      p256dh: body.keys.p256dh,
      auth: body.keys.auth,
      device,
    })
    if (r === 'taken') throw problem('push_endpoint_taken', 'endpoint')
    return c.json({ id: r.id, device }, r.created ? 201 : 200)
  })
  .delete('/subscriptions', async (c) => {
    const { endpoint } = await readJson(c, EndpointBody)
    const deleted = await deleteOwnSubscription(c.var.deps.sql, c.var.ctx.userId, endpoint)
    if (!deleted) throw problem('not_found', 'endpoint')
    return c.body(null, 204)
  })
  .get('/subscriptions', async (c) => {
    const rows = await subscriptionsOfUser(c.var.deps.sql, c.var.ctx.userId)
    return c.json({
      subscriptions: rows.map(({ endpoint, ...r }) => ({ ...r, endpointHost: new URL(endpoint).host })),
    })
  })
  .get('/attempts', requireRole('qa', 'admin'), async (c) => {
    const { caseId } = readQuery(c, AttemptsQuery)
    const { sql } = c.var.deps
    const ctx = c.var.ctx
    if (caseId) {
      const row = await getCase(sql, caseId)
      if (!row || row.networkId !== ctx.networkId) throw problem('not_found', 'caseId')
    }
    return c.json({ attempts: await attemptsOf(sql, ctx.networkId, caseId) })
  })
  .get('/readiness', requireRole('admin'), async (c) => {
    return c.json(await readinessOverview(c.var.deps.sql, c.var.ctx.networkId))
  })
  .post('/readiness/:id/ack', async (c) => {
    const id = idParam(c)
    const tappedAt = await acknowledgeReadiness(c.var.deps.sql, c.var.ctx.userId, id)
    if (!tappedAt) throw problem('not_found')
    return c.json({ id, tappedAt: tappedAt.toISOString() })
  })

export const pushContract: Operation[] = [
  op({
    method: 'GET',
    path: '/api/push/public-key',
    summary: 'VAPID public key for pushManager.subscribe',
    roles: 'public',
    response: z.object({ publicKey: z.string() }),
  }),
  op({
    method: 'POST',
    path: '/api/push/subscriptions',
    summary: 'Register this device (PushSubscription JSON); upsert by endpoint: 201 new, 200 known',
    roles: 'any',
    body: SubscriptionBody,
    status: 201,
    response: z.object({ id: z.uuid(), device: z.string().nullable() }),
  }),
  op({
    method: 'DELETE',
    path: '/api/push/subscriptions',
    summary: 'Unregister one of your devices (204)',
    roles: 'any',
    body: EndpointBody,
    status: 204,
  }),
  op({
    method: 'GET',
    path: '/api/push/subscriptions',
    summary: 'Your registered devices',
    roles: 'any',
    response: z.object({
      subscriptions: z.array(
        z.object({
          id: z.uuid(),
          device: z.string().nullable(),
          createdAt: IsoTime,
          lastSuccessAt: IsoTimeOrNull,
          endpointHost: z.string(),
        }),
      ),
    }),
  }),
  op({
    method: 'GET',
    path: '/api/push/attempts',
    summary: 'Push attempts and results',
    roles: 'qa, admin',
    query: AttemptsQuery,
    response: z.object({
      attempts: z.array(
        z.object({
          at: IsoTime,
          deliveryId: z.uuid(),
          caseId: z.uuid().nullable(),
          alertId: z.uuid().nullable(),
          template: z.string().nullable(),
          readinessId: z.uuid().nullable(),
          kind: z.string(),
          userId: z.uuid(),
          userName: z.string(),
          subscriptionId: z.uuid(),
          endpointHost: z.string().nullable(),
          attempt: z.number().int(),
          outcome: z.string(),
          statusCode: z.number().int().nullable(),
          error: z.string().nullable(),
          durationMs: z.number(),
        }),
      ),
    }),
  }),
  op({
    method: 'GET',
    path: '/api/push/readiness',
    summary: 'On-call readiness: devices, last push, last tap, problems',
    roles: 'admin',
    response: z.object({
      onCall: z.array(
        z.object({
          userId: z.uuid(),
          displayName: z.string(),
          line: z.enum(['first', 'second']),
          slotId: z.uuid(),
          slotStartsAt: IsoTime,
          slotEndsAt: IsoTime,
          devices: z.number().int(),
          lastSuccessAt: IsoTimeOrNull,
          lastFailureAt: IsoTimeOrNull,
          lastTapAt: IsoTimeOrNull,
          checkId: z.uuid().nullable(),
          sentAt: IsoTimeOrNull,
          deliveredAt: IsoTimeOrNull,
          tappedAt: IsoTimeOrNull,
          problem: z.string().nullable(),
          reportedAt: IsoTimeOrNull,
          status: z.enum(['ready', 'problem', 'awaiting_tap', 'not_checked']),
        }),
      ),
      problems: z.array(
        z.object({
          checkId: z.uuid(),
          userId: z.uuid(),
          displayName: z.string(),
          line: z.string(),
          problem: z.string(),
          slotStartsAt: IsoTime,
          reportedAt: IsoTime,
        }),
      ),
      noWorkingChannel: z.array(
        z.object({
          userId: z.uuid(),
          displayName: z.string(),
          line: z.string(),
          slotStartsAt: IsoTime,
          slotEndsAt: IsoTime,
        }),
      ),
    }),
  }),
  op({
    method: 'POST',
    path: '/api/push/readiness/:id/ack',
    summary: 'Tap: I can receive consults on this device',
    roles: 'any (own)',
    params: uuidParams('id'),
    response: z.object({ id: z.uuid(), tappedAt: IsoTime }),
  }),
]
