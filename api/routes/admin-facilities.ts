/** `/api/admin/facilities` and `/api/admin/travel`. Mounted behind requireRole('admin'). */
import { Hono } from 'hono'
import { z } from 'zod'
import { FACILITY_LEVELS, LYSIS_DRUGS } from '../../workflows/core/index.ts'
import {
  createFacility,
  oneFacility,
  setFacilityActive,
  updateFacility,
} from '../../workflows/runtime/admin/facilities.ts'
import { setTravel, travelOverview } from '../../workflows/runtime/admin/travel.ts'
import { adminFacilities } from '../../workflows/runtime/store/admin.ts'
import type { AppEnv } from '../http/env.ts'
import { op, uuidParams, type Operation } from '../http/contract.ts'
import { idParam, Minutes, Uuid } from '../http/params.ts'
import { readJson } from '../http/validate.ts'

const TravelToCounty = z.object({ minutes: Minutes, minutesBack: Minutes.optional() })
const FacilityFields = {
  name: z.string().trim().min(1).max(100),
  nameEn: z.string().trim().max(200).nullable().optional(),
  level: z.enum(FACILITY_LEVELS),
  address: z.string().trim().max(300).nullable().optional(),
  hasCathLab: z.boolean().optional(),
  lysisDrugs: z.array(z.enum(LYSIS_DRUGS)).max(LYSIS_DRUGS.length).optional(),
  lysisRegimens: z.record(z.string(), z.string().trim().min(1).max(1000)).optional(),
  canLyse: z.boolean().optional(),
  travelToCounty: TravelToCounty.optional(),
  travelToTownships: z
    .array(z.strictObject({ facilityId: Uuid, minutes: Minutes }))
    .max(50)
    .optional(),
}
const CreateFacility = z.strictObject(FacilityFields)
const PatchFacility = z.strictObject(FacilityFields).partial()
const PutTravel = z.strictObject({ from: Uuid, to: Uuid, minutes: Minutes, oneWay: z.boolean().optional() })

export const facilityRoutes = new Hono<AppEnv>()
  .get('/', async (c) => c.json({ facilities: await adminFacilities(c.var.deps.sql, c.var.ctx.networkId) }))
  .get('/:id', async (c) =>
    c.json({ facility: await oneFacility(c.var.deps.sql, c.var.ctx.networkId, idParam(c)) }),
  )
  .post('/', async (c) => {
    const body = await readJson(c, CreateFacility)
    return c.json({ facility: await createFacility(c.var.deps.sql, c.var.ctx, body) }, 201)
  })
  .patch('/:id', async (c) => {
    const id = idParam(c)
    const body = await readJson(c, PatchFacility)
    return c.json({ facility: await updateFacility(c.var.deps.sql, c.var.ctx, id, body) })
  })
  .post('/:id/deactivate', async (c) =>
    c.json({ facility: await setFacilityActive(c.var.deps.sql, c.var.ctx, idParam(c), false) }),
  )
  .post('/:id/reactivate', async (c) =>
    c.json({ facility: await setFacilityActive(c.var.deps.sql, c.var.ctx, idParam(c), true) }),
  )

export const travelRoutes = new Hono<AppEnv>()
  .get('/', async (c) => c.json(await travelOverview(c.var.deps.sql, c.var.ctx.networkId)))
  .put('/', async (c) => {
    const body = await readJson(c, PutTravel)
    return c.json(await setTravel(c.var.deps.sql, c.var.ctx, body))
  })

const AdminFacility = z.object({
  id: z.uuid(),
  name: z.string(),
  nameEn: z.string().nullable(),
  level: z.enum(FACILITY_LEVELS),
  address: z.string().nullable(),
  hasCathLab: z.boolean(),
  lysisDrugs: z.array(z.string()),
  lysisRegimens: z.record(z.string(), z.string()),
  canLyse: z.boolean(),
  active: z.boolean(),
  minutesToCounty: z.number().nullable(),
  minutesFromCounty: z.number().nullable(),
})
const FacilityAnswer = z.object({ facility: AdminFacility })
const Travel = z.array(z.object({ from: z.uuid(), to: z.uuid(), minutes: z.number() }))
export const adminFacilitiesContract: Operation[] = [
  op({
    method: 'GET',
    path: '/api/admin/facilities',
    summary: 'Facilities of the network',
    roles: 'admin',
    response: z.object({ facilities: z.array(AdminFacility) }),
  }),
  op({
    method: 'GET',
    path: '/api/admin/facilities/:id',
    summary: 'One facility',
    roles: 'admin',
    params: uuidParams('id'),
    response: FacilityAnswer,
  }),
  op({
    method: 'POST',
    path: '/api/admin/facilities',
    summary: 'Add a facility',
    roles: 'admin',
    body: CreateFacility,
    status: 201,
    response: FacilityAnswer,
  }),
  op({
    method: 'PATCH',
    path: '/api/admin/facilities/:id',
    summary: 'Change a facility',
    roles: 'admin',
    params: uuidParams('id'),
    body: PatchFacility,
    response: FacilityAnswer,
  }),
  op({
    method: 'POST',
    path: '/api/admin/facilities/:id/deactivate',
    summary: 'Deactivate a facility',
    roles: 'admin',
    params: uuidParams('id'),
    response: FacilityAnswer,
  }),
  op({
    method: 'POST',
    path: '/api/admin/facilities/:id/reactivate',
    summary: 'Reactivate a facility',
    roles: 'admin',
    params: uuidParams('id'),
    response: FacilityAnswer,
  }),
  op({
    method: 'GET',
    path: '/api/admin/travel',
    summary: 'The travel-time matrix',
    roles: 'admin',
    response: z.object({
      countyFacilityId: z.uuid().nullable(),
      facilities: z.array(
        AdminFacility.pick({ id: true, name: true, nameEn: true, level: true, active: true }),
      ),
      travel: Travel,
      missingToCounty: z.array(z.uuid()),
    }),
  }),
  op({
    method: 'PUT',
    path: '/api/admin/travel',
    summary: 'Set a travel time (both ways unless oneWay)',
    roles: 'admin',
    body: PutTravel,
    response: z.object({
      from: z.uuid(),
      to: z.uuid(),
      minutes: z.number().nullable(),
      minutesBack: z.number().nullable(),
    }),
  }),
]
