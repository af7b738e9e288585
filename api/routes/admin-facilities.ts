/** `/api/admin/facilities` and `/api/admin/travel` (issue 8). Mounted behind requireRole('admin'). */
import { Hono } from 'hono'
import { z } from 'zod'
import {
  adminFacilities,
  countyFacilityId,
  inTx,
  insertFacility,
  ownFacilityIds,
  setFacilityActive,
  travelMatrix,
  travelPair,
  updateFacility,
  upsertTravel,
  writeAudit,
  type AdminFacility,
  type FacilityInput,
} from '../../workflows/runtime/store/admin.ts'
import type { Sql } from '../../workflows/runtime/platform/connect.ts'
import type { AppEnv } from '../http/env.ts'
import { readJson } from '../http/validate.ts'
import {
  actorOf,
  checkFacility,
  idParam,
  invalid,
  LEVELS,
  LYSIS_DRUGS,
  Minutes,
  missingTravelError,
  notFoundIn,
  Uuid,
  type Actor,
} from './admin-rules.ts'

const TravelToCounty = z.object({ minutes: Minutes, minutesBack: Minutes.optional() })
const FacilityFields = {
  name: z.string().trim().min(1).max(100),
  nameEn: z.string().trim().max(200).nullable().optional(),
  level: z.enum(LEVELS),
  address: z.string().trim().max(300).nullable().optional(),
  hasCathLab: z.boolean().optional(),
  lysisDrugs: z.array(z.enum(LYSIS_DRUGS)).max(LYSIS_DRUGS.length).optional(),
  lysisRegimens: z.record(z.string(), z.string().trim().min(1).max(1000)).optional(),
  canLyse: z.boolean().optional(),
  travelToCounty: TravelToCounty.optional(),
}
const CreateFacility = z.strictObject(FacilityFields)
const PatchFacility = z.strictObject(FacilityFields).partial()
const PutTravel = z.strictObject({ from: Uuid, to: Uuid, minutes: Minutes, oneWay: z.boolean().optional() })

const inputOf = (f: AdminFacility): FacilityInput => ({
  name: f.name,
  nameEn: f.nameEn,
  level: f.level,
  address: f.address,
  hasCathLab: f.hasCathLab,
  lysisDrugs: f.lysisDrugs,
  lysisRegimens: f.lysisRegimens,
})

async function oneFacility(sql: Sql, networkId: string, id: string): Promise<AdminFacility> {
  const [f] = await adminFacilities(sql, networkId, id)
  if (!f) throw notFoundIn('facility')
  return f
}

/** Write both directions (or one) of a travel pair with its audit record. */
export async function setTravel(
  tx: Sql,
  actor: Actor,
  t: { from: string; to: string; minutes: number; minutesBack?: number | undefined; oneWay?: boolean },
) {
  const before = { there: await travelPair(tx, t.from, t.to), back: await travelPair(tx, t.to, t.from) }
  await upsertTravel(tx, actor.networkId, t.from, t.to, t.minutes)
  if (!t.oneWay) await upsertTravel(tx, actor.networkId, t.to, t.from, t.minutesBack ?? t.minutes)
  const after = { there: await travelPair(tx, t.from, t.to), back: await travelPair(tx, t.to, t.from) }
  await writeAudit(tx, {
    ...actor,
    action: 'travel.update',
    entity: 'travel',
    entityId: `${t.from}>${t.to}`,
    before: { from: t.from, to: t.to, ...before },
    after: { from: t.from, to: t.to, ...after },
  })
}

export const facilityRoutes = new Hono<AppEnv>()
  .get('/', async (c) => c.json({ facilities: await adminFacilities(c.var.deps.sql, c.var.user.networkId) }))
  .get('/:id', async (c) =>
    c.json({ facility: await oneFacility(c.var.deps.sql, c.var.user.networkId, idParam(c)) }),
  )
  .post('/', async (c) => {
    const body = await readJson(c, CreateFacility)
    const actor = actorOf(c)
    const f: FacilityInput = {
      name: body.name,
      nameEn: body.nameEn ?? null,
      level: body.level,
      address: body.address ?? null,
      hasCathLab: body.hasCathLab ?? body.level === 'county',
      lysisDrugs: body.lysisDrugs ?? [],
      lysisRegimens: body.lysisRegimens ?? {},
    }
    checkFacility(f, body.canLyse, true)
    const id = await inTx(c.var.deps.sql, async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext(${'facilities:' + actor.networkId}))`
      const county = await countyFacilityId(tx, actor.networkId)
      if (f.level === 'county' && county)
        throw invalid(
          'level',
          'county_exists',
          'This network already has an active county PCI center; edit it instead / 本网络已有县级胸痛中心，请编辑现有机构',
        )
      if (f.level !== 'county' && !county)
        throw invalid(
          'level',
          'missing_county',
          'Create the county PCI center first: travel times are measured to it / 请先创建县级胸痛中心',
        )
      if (f.level !== 'county' && !body.travelToCounty) throw missingTravelError('travelToCounty')
      const id = await insertFacility(tx, actor.networkId, f)
      await writeAudit(tx, {
        ...actor,
        action: 'facility.create',
        entity: 'facility',
        entityId: id,
        before: null,
        after: f,
      })
      if (county && body.travelToCounty)
        await setTravel(tx, actor, { from: id, to: county, ...body.travelToCounty })
      return id
    })
    return c.json({ facility: await oneFacility(c.var.deps.sql, actor.networkId, id) }, 201)
  })
  .patch('/:id', async (c) => {
    const id = idParam(c)
    const body = await readJson(c, PatchFacility)
    const actor = actorOf(c)
    await inTx(c.var.deps.sql, async (tx) => {
      await tx`select 1 from facilities where id = ${id} and network_id = ${actor.networkId} for update`
      const current = await oneFacility(tx, actor.networkId, id)
      const drugsTouched = body.lysisDrugs !== undefined || body.lysisRegimens !== undefined
      const next: FacilityInput = {
        name: body.name ?? current.name,
        nameEn: body.nameEn === undefined ? current.nameEn : body.nameEn,
        level: body.level ?? current.level,
        address: body.address === undefined ? current.address : body.address,
        hasCathLab: body.hasCathLab ?? current.hasCathLab,
        lysisDrugs: body.lysisDrugs ?? current.lysisDrugs,
        lysisRegimens: body.lysisRegimens ?? current.lysisRegimens,
      }
      // "canLyse: false" is a conscious statement; an edit that does not touch the drugs keeps the current state.
      const canLyse = body.canLyse ?? (drugsTouched || body.level !== undefined ? undefined : current.canLyse)
      if (canLyse === false && body.lysisDrugs === undefined) next.lysisDrugs = []
      if (canLyse === false && body.lysisRegimens === undefined) next.lysisRegimens = {}
      checkFacility(next, canLyse, drugsTouched || canLyse === false)
      if (
        next.level === 'county' &&
        current.level !== 'county' &&
        (await countyFacilityId(tx, actor.networkId))
      )
        throw invalid(
          'level',
          'county_exists',
          'This network already has a county PCI center / 本网络已有县级胸痛中心',
        )
      if (current.level === 'county' && next.level !== 'county')
        throw invalid(
          'level',
          'invalid',
          'The county PCI center cannot change level / 县级胸痛中心不能更改级别',
        )
      await updateFacility(tx, actor.networkId, id, next)
      const county = await countyFacilityId(tx, actor.networkId)
      if (county && county !== id) {
        if (body.travelToCounty) await setTravel(tx, actor, { from: id, to: county, ...body.travelToCounty })
        else if ((await travelPair(tx, id, county)) === null) throw missingTravelError('travelToCounty')
      }
      await writeAudit(tx, {
        ...actor,
        action: 'facility.update',
        entity: 'facility',
        entityId: id,
        before: inputOf(current),
        after: next,
      })
    })
    return c.json({ facility: await oneFacility(c.var.deps.sql, actor.networkId, id) })
  })
  .post('/:id/deactivate', async (c) => setActive(c.var.deps.sql, actorOf(c), idParam(c), false))
  .post('/:id/reactivate', async (c) => setActive(c.var.deps.sql, actorOf(c), idParam(c), true))

async function setActive(sql: Sql, actor: Actor, id: string, active: boolean) {
  await inTx(sql, async (tx) => {
    const current = await oneFacility(tx, actor.networkId, id)
    if (!active && current.level === 'county')
      throw invalid(
        'id',
        'invalid',
        'The county PCI center cannot be deactivated: every strategy and transfer depends on it / 县级胸痛中心不能停用',
      )
    if (active && current.level !== 'county') {
      const county = await countyFacilityId(tx, actor.networkId)
      if (!county || (await travelPair(tx, id, county)) === null) throw missingTravelError('travelToCounty')
    }
    await setFacilityActive(tx, actor.networkId, id, active)
    await writeAudit(tx, {
      ...actor,
      action: active ? 'facility.reactivate' : 'facility.deactivate',
      entity: 'facility',
      entityId: id,
      before: { active: current.active },
      after: { active },
    })
  })
  return Response.json({ facility: await oneFacility(sql, actor.networkId, id) })
}

export const travelRoutes = new Hono<AppEnv>()
  .get('/', async (c) => {
    const { sql } = c.var.deps
    const networkId = c.var.user.networkId
    const [facilities, travel, county] = await Promise.all([
      adminFacilities(sql, networkId),
      travelMatrix(sql, networkId),
      countyFacilityId(sql, networkId),
    ])
    return c.json({
      countyFacilityId: county ?? null,
      facilities: facilities.map(({ id, name, nameEn, level, active }) => ({
        id,
        name,
        nameEn,
        level,
        active,
      })),
      travel,
      missingToCounty: facilities
        .filter((f) => f.active && f.level !== 'county' && f.minutesToCounty === null)
        .map((f) => f.id),
    })
  })
  .put('/', async (c) => {
    const body = await readJson(c, PutTravel)
    if (body.from === body.to) throw invalid('to', 'invalid', 'from and to must differ / 起点与终点不能相同')
    const actor = actorOf(c)
    const own = await ownFacilityIds(c.var.deps.sql, actor.networkId, [body.from, body.to])
    if (!own.has(body.from) || !own.has(body.to)) throw notFoundIn('facility')
    await inTx(c.var.deps.sql, (tx) => setTravel(tx, actor, body))
    const { sql } = c.var.deps
    return c.json({
      from: body.from,
      to: body.to,
      minutes: await travelPair(sql, body.from, body.to),
      minutesBack: await travelPair(sql, body.to, body.from),
    })
  })
