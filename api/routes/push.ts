import { Hono } from 'hono'
import { z } from 'zod'
import { allowedEndpointHost } from '../../workflows/runtime/push/endpoint-guard.ts'
import { acknowledgeReadiness, readinessOverview } from '../../workflows/runtime/push/readiness.ts'
import { attemptsOf, deleteOwnSubscription, upsertSubscription } from '../../workflows/runtime/push/store.ts'
import { loadVapid } from '../../workflows/runtime/push/vapid.ts'
import { getCase } from '../../workflows/runtime/store/cases.ts'
import { requireRole, requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { ApiError, notFound } from '../http/errors.ts'
import { readJson, readQuery } from '../http/validate.ts'
import { problem } from '../../workflows/core/problem.ts'

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
      throw new ApiError(
        422,
        'endpoint_not_allowed',
        'endpoint: not an https push service this server may call / 推送地址不被允许',
        'endpoint',
      )
    const device = body.device ?? c.req.header('user-agent')?.slice(0, 100) ?? null
    const r = await upsertSubscription(sql, {
      userId: c.var.user.id,
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
    const deleted = await deleteOwnSubscription(c.var.deps.sql, c.var.user.id, endpoint)
    if (!deleted) throw notFound('subscription')
    return c.body(null, 204)
  })
  .get('/subscriptions', async (c) => {
    const rows = await c.var.deps.sql<
      { id: string; endpoint: string; device: string | null; createdAt: Date; lastSuccessAt: Date | null }[]
    >`select id, endpoint, device, created_at as "createdAt", last_success_at as "lastSuccessAt"
        from push_subscriptions where user_id = ${c.var.user.id} order by created_at`
    return c.json({
      subscriptions: rows.map(({ endpoint, ...r }) => ({ ...r, endpointHost: new URL(endpoint).host })),
    })
  })
  .get('/attempts', requireRole('qa', 'admin'), async (c) => {
    const { caseId } = readQuery(c, AttemptsQuery)
    const { sql } = c.var.deps
    const user = c.var.user
    if (caseId) {
      const row = await getCase(sql, caseId)
      if (!row || row.networkId !== user.networkId) throw notFound('case')
    }
    return c.json({ attempts: await attemptsOf(sql, user.networkId, caseId) })
  })
  .get('/readiness', requireRole('admin'), async (c) => {
    return c.json(await readinessOverview(c.var.deps.sql, c.var.user.networkId))
  })
  .post('/readiness/:id/ack', async (c) => {
    const id = c.req.param('id')
    if (!z.uuid().safeParse(id).success) throw notFound('readiness check')
    const tappedAt = await acknowledgeReadiness(c.var.deps.sql, c.var.user.id, id)
    if (!tappedAt) throw notFound('readiness check')
    return c.json({ id, tappedAt: tappedAt.toISOString() })
  })
