/**
 * `/api/admin` — network administration (docs/admin-api.md). Every route is scoped to the caller's
 * own network: another network's ids answer 404. Admins only, except the audit trail (admin + QA).
 * Every change writes its audit record in the same transaction.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { networkSettings, updateSettings } from '../../workflows/runtime/admin/settings.ts'
import { readiness } from '../../workflows/runtime/store/admin.ts'
import { auditOf } from '../../workflows/runtime/store/audit.ts'
import { requireRole, requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { op, IsoTime, IsoTimeOrNull, type Operation } from '../http/contract.ts'
import { readJson, readQuery } from '../http/validate.ts'
import { facilityRoutes, travelRoutes } from './admin-facilities.ts'
import { channelAdminRoutes, ladderAdminRoutes, mobileCodeRoutes } from './admin-channels.ts'
import { importRoutes } from './admin-import.ts'
import { qaGrantRoutes } from './admin-qa-grants.ts'
import { rotaRoutes } from './admin-rota.ts'
import { userRoutes } from './admin-users.ts'

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

const PatchSettings = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  nameEn: z.string().trim().max(200).nullable().optional(),
  /** Thrombolysis screening list: Chinese (溶栓筛查表) or ESC 2023 (docs/clinical-rules.md). */
  checklist: z.enum(['cn', 'esc']).optional(),
  /** Used by strategy advice (docs/clinical-rules.md): diagnosis-to-wire = travel + DIDO + this. */
  expectedDoorToWireMinutes: z.number().int().min(10).max(240).optional(),
  timezone: z.string().refine(isTimeZone, 'unknown IANA time zone').optional(),
})

const AuditQuery = z.object({
  entity: z.string().max(40).optional(),
  entityId: z.string().max(200).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
})

/** Readable by admin and QA of the same network (docs/admin-api.md: QA audits its network). */
const auditRoutes = new Hono<AppEnv>().use(requireRole('admin', 'qa')).get('/', async (c) => {
  const q = readQuery(c, AuditQuery)
  const entries = await auditOf(c.var.deps.sql, c.var.ctx.networkId, {
    limit: q.limit,
    ...(q.entity ? { entity: q.entity } : {}),
    ...(q.entityId ? { entityId: q.entityId } : {}),
    ...(q.from ? { from: new Date(q.from) } : {}),
    ...(q.to ? { to: new Date(q.to) } : {}),
  })
  return c.json({ entries })
})

const settingsRoutes = new Hono<AppEnv>()
  .get('/', async (c) => c.json(await networkSettings(c.var.deps.sql, c.var.ctx.networkId)))
  .patch('/', async (c) => {
    const body = await readJson(c, PatchSettings)
    return c.json(await updateSettings(c.var.deps.sql, c.var.ctx, body))
  })

export const adminRoutes = new Hono<AppEnv>()
  .use(requireUser)
  // Registered before the admin gate: Hono runs handlers in registration order, and this one answers.
  .route('/audit', auditRoutes)
  .use(requireRole('admin'))
  // The runtime caches facilities and travel times for a few seconds: drop them after any change.
  .use(async (c, next) => {
    await next()
    if (c.req.method !== 'GET') c.var.deps.rt.networks.invalidate(c.var.ctx.networkId)
  })
  .route('/facilities', facilityRoutes)
  .route('/travel', travelRoutes)
  .route('/users', userRoutes)
  .route('/rota', rotaRoutes)
  .route('/settings', settingsRoutes)
  .route('/import', importRoutes)
  .route('/channels', channelAdminRoutes)
  .route('/ladders', ladderAdminRoutes)
  .route('/mobile-code', mobileCodeRoutes)
  .route('/qa-grants', qaGrantRoutes)
  .get('/readiness', async (c) =>
    c.json({ cardiologists: await readiness(c.var.deps.sql, c.var.ctx.networkId) }),
  )

const Settings = z.object({
  network: z.object({ id: z.uuid(), name: z.string(), nameEn: z.string().nullable() }),
  settings: z.looseObject({
    checklist: z.enum(['cn', 'esc']),
    expectedDoorToWireMinutes: z.number(),
    timezone: z.string().optional(),
  }),
})
export const adminContract: Operation[] = [
  op({
    method: 'GET',
    path: '/api/admin/audit',
    summary: 'Audit trail of the network',
    roles: 'admin, qa',
    query: AuditQuery,
    response: z.object({
      entries: z.array(
        z.object({
          id: z.string(),
          at: IsoTime,
          action: z.string(),
          entity: z.string(),
          entityId: z.string().nullable(),
          actorId: z.uuid().nullable(),
          actorUsername: z.string().nullable(),
          before: z.unknown(),
          after: z.unknown(),
          device: z.string().nullable(),
        }),
      ),
    }),
  }),
  op({
    method: 'GET',
    path: '/api/admin/settings',
    summary: 'Network settings',
    roles: 'admin',
    response: Settings,
  }),
  op({
    method: 'PATCH',
    path: '/api/admin/settings',
    summary: 'Change network settings',
    roles: 'admin',
    body: PatchSettings,
    response: Settings,
  }),
  op({
    method: 'GET',
    path: '/api/admin/readiness',
    summary: "Cardiologists' readiness to be reached (devices, channels)",
    roles: 'admin',
    response: z.object({
      cardiologists: z.array(
        z.object({
          userId: z.uuid(),
          username: z.string(),
          displayName: z.string(),
          active: z.boolean(),
          subscriptions: z.number().int(),
          lastSuccessAt: IsoTimeOrNull,
          lastFailureAt: IsoTimeOrNull,
          onCallNow: z.enum(['first', 'second']).nullable(),
          nextSlotAt: IsoTimeOrNull,
          lastTapAt: IsoTimeOrNull,
          problem: z.string().nullable(),
        }),
      ),
    }),
  }),
]
