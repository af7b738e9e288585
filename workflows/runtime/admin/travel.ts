/** Travel times between facilities (docs/admin-api.md): both directions, audited. */
import { problem } from '../../core/problem.ts'
import type { AuditCtx } from '../context.ts'
import type { Sql } from '../platform/connect.ts'
import {
  adminFacilities,
  countyFacilityId,
  inTx,
  ownFacilityIds,
  travelMatrix,
  travelPair,
  upsertTravel,
} from '../store/admin.ts'
import { audit } from '../store/audit.ts'

export interface TravelInput {
  from: string
  to: string
  minutes: number
  minutesBack?: number | undefined
  oneWay?: boolean | undefined
}

/** Write both directions (or one) of a travel pair with its audit record, in the caller's transaction. */
export async function writeTravel(tx: Sql, ctx: AuditCtx, t: TravelInput): Promise<void> {
  const before = { there: await travelPair(tx, t.from, t.to), back: await travelPair(tx, t.to, t.from) }
  await upsertTravel(tx, ctx.networkId, t.from, t.to, t.minutes)
  if (!t.oneWay) await upsertTravel(tx, ctx.networkId, t.to, t.from, t.minutesBack ?? t.minutes)
  const after = { there: await travelPair(tx, t.from, t.to), back: await travelPair(tx, t.to, t.from) }
  await audit(tx, ctx, {
    action: 'travel.update',
    entity: 'travel',
    entityId: `${t.from}>${t.to}`,
    before: { from: t.from, to: t.to, ...before },
    after: { from: t.from, to: t.to, ...after },
  })
}

/** `PUT /api/admin/travel`: both facilities must be the network's own. */
export async function setTravel(sql: Sql, ctx: AuditCtx, t: TravelInput) {
  if (t.from === t.to) throw problem('same_facility', 'to')
  const own = await ownFacilityIds(sql, ctx.networkId, [t.from, t.to])
  if (!own.has(t.from) || !own.has(t.to)) throw problem('not_found')
  await inTx(sql, (tx) => writeTravel(tx, ctx, t))
  return {
    from: t.from,
    to: t.to,
    minutes: await travelPair(sql, t.from, t.to),
    minutesBack: await travelPair(sql, t.to, t.from),
  }
}

/** The travel matrix with the facilities that still lack their time to the county. */
export async function travelOverview(sql: Sql, networkId: string) {
  const [facilities, travel, county] = await Promise.all([
    adminFacilities(sql, networkId),
    travelMatrix(sql, networkId),
    countyFacilityId(sql, networkId),
  ])
  return {
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
  }
}
