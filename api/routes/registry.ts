import { Hono } from 'hono'
import { z } from 'zod'
import { problem } from '../../workflows/core/problem.ts'
import { canSeeCase } from '../../workflows/core/access.ts'
import {
  buildReport,
  platformSettings,
  registryStatus,
  requestReport,
  reviewCase,
  setPlatformCredentials,
} from '../../workflows/runtime/registry/reporting.ts'
import { getCase } from '../../workflows/runtime/store/cases.ts'
import { requireRole, requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { op, uuidParams, IsoTime, type Operation } from '../http/contract.ts'
import { readJson } from '../http/validate.ts'

const Uuid = z.uuid()
const actorOf = (c: { var: AppEnv['Variables'] }) => c.var.ctx

/** The case must exist and be the caller's network's (404 otherwise: no existence leak). */
async function caseOfCaller(c: { var: AppEnv['Variables'] }, id: string) {
  if (!Uuid.safeParse(id).success) throw problem('not_found')
  const row = await getCase(c.var.deps.sql, id)
  if (!row || !canSeeCase(c.var.user, row)) throw problem('not_found')
  return row
}

/**
 * National chest-pain-center platform, per case (docs/registry-platform.md): QA reviews
 * (审核) and reports (上报); `GET` shows the status and every answer of the platform.
 */
export const registryRoutes = new Hono<AppEnv>()
  .use(requireUser)
  .get('/:id/registry', requireRole('qa', 'admin'), async (c) => {
    const row = await caseOfCaller(c, c.req.param('id'))
    return c.json(await registryStatus(c.var.deps.sql, row.id))
  })
  .post('/:id/registry/review', requireRole('qa'), async (c) => {
    const row = await caseOfCaller(c, c.req.param('id'))
    await reviewCase(c.var.deps.sql, actorOf(c), row.id)
    return c.json(await registryStatus(c.var.deps.sql, row.id))
  })
  .get('/:id/registry/dry-run', requireRole('qa', 'admin'), async (c) => {
    const row = await caseOfCaller(c, c.req.param('id'))
    const built = await buildReport(c.var.deps.sql, row.id)
    return c.json({ body: built.report, problems: built.problems, missing: built.missing })
  })
  .post('/:id/registry/report', requireRole('qa'), async (c) => {
    const row = await caseOfCaller(c, c.req.param('id'))
    await requestReport(c.var.deps.registry, actorOf(c), row.id)
    return c.json(await registryStatus(c.var.deps.sql, row.id), 202)
  })

const Region = z.object({
  province: z.string().trim().min(1).max(20),
  city: z.string().trim().min(1).max(20),
  county: z.string().trim().min(1).max(20),
})
const PlatformInput = z.object({
  facilityId: Uuid,
  appId: z.string().trim().min(1).max(100),
  secretKey: z.string().min(8).max(200),
  hospitalCode: z.string().trim().min(1).max(50).optional(),
  region: Region.optional(),
})

/** `PUT /api/admin/platform`: the reporting hospital's platform account (the secret is never returned). */
export const platformAdminRoutes = new Hono<AppEnv>()
  .use(requireUser, requireRole('admin'))
  .get('/', async (c) => c.json({ hospitals: await platformSettings(c.var.deps.sql, c.var.user.networkId) }))
  .put('/', async (c) => {
    const input = await readJson(c, PlatformInput)
    await setPlatformCredentials(c.var.deps.registry, actorOf(c), input)
    return c.json({ hospitals: await platformSettings(c.var.deps.sql, c.var.user.networkId) })
  })

const caseParam = uuidParams('id')
const RegistryStatusJson = z.object({
  status: z.enum(['draft', 'reviewed', 'reporting', 'reported', 'needs_update', 'failed']),
  registerId: z.string().nullable(),
  attempts: z.array(
    z.object({
      at: IsoTime,
      resultCode: z.number().int().nullable(),
      httpStatus: z.number().int().nullable(),
      message: z.string().nullable(),
      errors: z.unknown(),
    }),
  ),
})
const Hospitals = z.object({
  hospitals: z.array(
    z.object({
      facilityId: z.uuid(),
      appId: z.string(),
      secretLast4: z.string(),
      hospitalCode: z.string().nullable(),
    }),
  ),
})
export const registryContract: Operation[] = [
  op({
    method: 'GET',
    path: '/api/cases/:id/registry',
    summary: 'National CPC platform: status, REGISTER_ID and every answer',
    roles: 'qa, admin',
    params: caseParam,
    response: RegistryStatusJson,
  }),
  op({
    method: 'POST',
    path: '/api/cases/:id/registry/review',
    summary: 'QA review (审核) before reporting',
    roles: 'qa',
    params: caseParam,
    response: RegistryStatusJson,
  }),
  op({
    method: 'GET',
    path: '/api/cases/:id/registry/dry-run',
    summary: 'Exactly what would be sent to the platform, with mapping problems',
    roles: 'qa, admin',
    params: caseParam,
    response: z.object({
      body: z.record(z.string(), z.record(z.string(), z.unknown())).describe("the platform's sections"),
      problems: z.array(z.object({ field: z.string(), value: z.string() })),
      missing: z.array(z.string()),
    }),
  }),
  op({
    method: 'POST',
    path: '/api/cases/:id/registry/report',
    summary: 'Report (上报) to the platform: 202, a job sends it',
    roles: 'qa',
    params: caseParam,
    status: 202,
    response: RegistryStatusJson,
  }),
  op({
    method: 'GET',
    path: '/api/admin/platform',
    summary: 'Platform accounts of the reporting hospitals (no secrets)',
    roles: 'admin',
    response: Hospitals,
  }),
  op({
    method: 'PUT',
    path: '/api/admin/platform',
    summary: 'Set the platform account of a reporting hospital',
    roles: 'admin',
    body: PlatformInput,
    response: Hospitals,
  }),
]
