/** Facilities of a network (docs/admin-api.md): create, edit, (de)activate, each audited in its transaction. */
import { facilityProblems, type FacilityInput } from '../../core/admin-rules.ts'
import type { FacilityLevel } from '../../core/roles.ts'
import { problem, ProblemError } from '../../core/problem.ts'
import type { AuditCtx } from '../context.ts'
import type { Sql } from '../platform/connect.ts'
import {
  adminFacilities,
  countyFacilityId,
  inTx,
  insertFacility,
  lockFacilities,
  lockFacilityRow,
  setFacilityActive as storeSetActive,
  travelPair,
  updateFacility as storeUpdate,
  type AdminFacility,
} from '../store/admin.ts'
import { audit } from '../store/audit.ts'
import { writeTravel } from './travel.ts'

export interface FacilityFields {
  name: string
  nameEn?: string | null | undefined
  level: FacilityLevel
  address?: string | null | undefined
  hasCathLab?: boolean | undefined
  lysisDrugs?: string[] | undefined
  lysisRegimens?: Record<string, string> | undefined
  canLyse?: boolean | undefined
  travelToCounty?: { minutes: number; minutesBack?: number | undefined } | undefined
  /** A village rescue point's times to the nearest lysis-capable townships (both ways, symmetric). */
  travelToTownships?: { facilityId: string; minutes: number }[] | undefined
}

/**
 * A village's travel times to lysis-capable townships: each must be an active lysis-capable
 * township of the network; a new village must give at least one when the network has any
 * (the strategy advice weighs "transfer for lysis" at the nearest township against the county).
 */
async function writeTownshipTravel(
  tx: Sql,
  ctx: AuditCtx,
  villageId: string,
  times: { facilityId: string; minutes: number }[] | undefined,
  required: boolean,
): Promise<void> {
  const lysisTownships = new Set(
    (await adminFacilities(tx, ctx.networkId))
      .filter((x) => x.level === 'township' && x.canLyse && x.active)
      .map((x) => x.id),
  )
  const given = times ?? []
  given.forEach((g, i) => {
    if (!lysisTownships.has(g.facilityId))
      throw problem('not_lysis_township', `travelToTownships.${i}.facilityId`)
  })
  if (required && given.length === 0 && lysisTownships.size > 0)
    throw problem('missing_travel_to_township', 'travelToTownships')
  for (const g of given) await writeTravel(tx, ctx, { from: villageId, to: g.facilityId, minutes: g.minutes })
}

/** Throw the first facility problem, if any. */
export function assertFacility(f: FacilityInput, canLyse: boolean | undefined, drugsTouched: boolean): void {
  const [first] = facilityProblems(f, canLyse, drugsTouched)
  if (first) throw new ProblemError(first)
}

export const missingTravel = () => problem('missing_travel_to_county', 'travelToCounty')

export async function oneFacility(sql: Sql, networkId: string, id: string): Promise<AdminFacility> {
  const [f] = await adminFacilities(sql, networkId, id)
  if (!f) throw problem('not_found')
  return f
}

const inputOf = (f: AdminFacility): FacilityInput => ({
  name: f.name,
  nameEn: f.nameEn,
  level: f.level,
  address: f.address,
  hasCathLab: f.hasCathLab,
  lysisDrugs: f.lysisDrugs,
  lysisRegimens: f.lysisRegimens,
})

/** A new facility; every non-county one comes with its travel time to the county. */
export async function createFacility(sql: Sql, ctx: AuditCtx, body: FacilityFields): Promise<AdminFacility> {
  const f: FacilityInput = {
    name: body.name,
    nameEn: body.nameEn ?? null,
    level: body.level,
    address: body.address ?? null,
    hasCathLab: body.hasCathLab ?? body.level === 'county',
    lysisDrugs: body.lysisDrugs ?? [],
    lysisRegimens: body.lysisRegimens ?? {},
  }
  assertFacility(f, body.canLyse, true)
  const id = await inTx(sql, async (tx) => {
    await lockFacilities(tx, ctx.networkId)
    const county = await countyFacilityId(tx, ctx.networkId)
    if (f.level === 'county' && county) throw problem('county_exists', 'level')
    if (f.level !== 'county' && !county) throw problem('missing_county', 'level')
    if (f.level !== 'county' && !body.travelToCounty) throw missingTravel()
    const id = await insertFacility(tx, ctx.networkId, f)
    await audit(tx, ctx, {
      action: 'facility.create',
      entity: 'facility',
      entityId: id,
      before: null,
      after: f,
    })
    if (county && body.travelToCounty)
      await writeTravel(tx, ctx, { from: id, to: county, ...body.travelToCounty })
    if (f.level === 'village') await writeTownshipTravel(tx, ctx, id, body.travelToTownships, true)
    else if (body.travelToTownships?.length) throw problem('invalid', 'travelToTownships')
    return id
  })
  return oneFacility(sql, ctx.networkId, id)
}

export async function updateFacility(
  sql: Sql,
  ctx: AuditCtx,
  id: string,
  body: Partial<FacilityFields>,
): Promise<AdminFacility> {
  await inTx(sql, async (tx) => {
    await lockFacilityRow(tx, ctx.networkId, id)
    const current = await oneFacility(tx, ctx.networkId, id)
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
    assertFacility(next, canLyse, drugsTouched || canLyse === false)
    if (next.level === 'county' && current.level !== 'county' && (await countyFacilityId(tx, ctx.networkId)))
      throw problem('county_exists', 'level')
    if (current.level === 'county' && next.level !== 'county') throw problem('county_level_fixed', 'level')
    await storeUpdate(tx, ctx.networkId, id, next)
    const county = await countyFacilityId(tx, ctx.networkId)
    if (county && county !== id) {
      if (body.travelToCounty) await writeTravel(tx, ctx, { from: id, to: county, ...body.travelToCounty })
      else if ((await travelPair(tx, id, county)) === null) throw missingTravel()
    }
    if (body.travelToTownships?.length) {
      if (next.level !== 'village') throw problem('invalid', 'travelToTownships')
      await writeTownshipTravel(tx, ctx, id, body.travelToTownships, false)
    }
    await audit(tx, ctx, {
      action: 'facility.update',
      entity: 'facility',
      entityId: id,
      before: inputOf(current),
      after: next,
    })
  })
  return oneFacility(sql, ctx.networkId, id)
}

/** Deactivate or reactivate; the county never goes, and a reactivated one needs its travel time. */
export async function setFacilityActive(
  sql: Sql,
  ctx: AuditCtx,
  id: string,
  active: boolean,
): Promise<AdminFacility> {
  await inTx(sql, async (tx) => {
    const current = await oneFacility(tx, ctx.networkId, id)
    if (!active && current.level === 'county') throw problem('county_always_active', 'id')
    if (active && current.level !== 'county') {
      const county = await countyFacilityId(tx, ctx.networkId)
      if (!county || (await travelPair(tx, id, county)) === null) throw missingTravel()
    }
    await storeSetActive(tx, ctx.networkId, id, active)
    await audit(tx, ctx, {
      action: active ? 'facility.reactivate' : 'facility.deactivate',
      entity: 'facility',
      entityId: id,
      before: { active: current.active },
      after: { active },
    })
  })
  return oneFacility(sql, ctx.networkId, id)
}
