import type { Q } from '../platform/connect.ts'
import {
  checkLadder,
  REGISTRY_TIME_ZONE,
  type AlertKind,
  type Facility,
  type Ladders,
  type NetworkInfo,
} from '../../core/index.ts'

export interface FacilityRow extends Facility {
  nameEn: string | null
  address: string | null
  active: boolean
  parentFacilityId: string | null
}

export async function facilitiesOf(sql: Q, networkId: string): Promise<FacilityRow[]> {
  return sql<FacilityRow[]>`
    select id, name, name_en as "nameEn", level, address, has_cath_lab as "hasCathLab",
           lysis_drugs as "lysisDrugs", cardinality(lysis_drugs) > 0 as "canLyse", active,
           lat, lon, parent_facility_id as "parentFacilityId"
      from facilities where network_id = ${networkId}
     order by case level when 'county' then 0 when 'township' then 1 else 2 end, name`
}

export async function travelOf(sql: Q, networkId: string): Promise<NetworkInfo['travel']> {
  return sql<NetworkInfo['travel']>`
    select from_facility_id as "from", to_facility_id as "to", minutes
      from travel_times where network_id = ${networkId}`
}

/** The network as the pure core sees it. Expected county door-to-wire defaults to 60 min (docs/clinical-rules.md). */
export async function loadNetworkInfo(sql: Q, networkId: string): Promise<NetworkInfo> {
  const [[net], facilities, travel, ladderRows] = await Promise.all([
    sql<
      {
        settings: {
          expectedDoorToWireMinutes?: number
          checklist?: string
          timezone?: string
          prehospitalLysis?: boolean
        }
      }[]
    >`select settings from networks where id = ${networkId}`,
    facilitiesOf(sql, networkId),
    travelOf(sql, networkId),
    sql<
      { kind: AlertKind; steps: unknown }[]
    >`select kind, steps from alert_ladders where network_id = ${networkId}`,
  ])
  // Stored ladders were validated on the way in; one that no longer validates (a newer rule)
  // falls back to the default rather than leaving the network without alerts.
  const ladders: Partial<Ladders> = {}
  for (const r of ladderRows) {
    const checked = checkLadder(r.kind, r.steps)
    if (checked.ok) ladders[r.kind] = checked.ladder
  }
  return {
    id: networkId,
    facilities: facilities.map(({ id, name, level, canLyse, hasCathLab, lysisDrugs, lat, lon }) => ({
      id,
      name,
      level,
      canLyse,
      hasCathLab,
      lysisDrugs,
      lat,
      lon,
    })),
    travel,
    expectedDoorToWireMinutes: net?.settings.expectedDoorToWireMinutes ?? 60,
    // The admin's checklist choice changes the questions and the screening (docs/clinical-rules.md).
    checklist: net?.settings.checklist === 'esc' ? 'esc' : 'cn',
    timeZone: net?.settings.timezone ?? REGISTRY_TIME_ZONE,
    ...(ladderRows.length ? { ladders } : {}),
    prehospitalLysis: net?.settings.prehospitalLysis === true,
  }
}

export interface RotaEntry {
  line: 'first' | 'second'
  userId: string
  displayName: string
  startsAt: Date
  endsAt: Date
}

/** Rota slots overlapping [from, to). */
export async function rotaBetween(sql: Q, networkId: string, from: Date, to: Date): Promise<RotaEntry[]> {
  return sql<RotaEntry[]>`
    select r.line, r.user_id as "userId", u.display_name as "displayName", r.starts_at as "startsAt", r.ends_at as "endsAt"
      from rota_slots r join users u on u.id = r.user_id
     where r.network_id = ${networkId} and r.starts_at < ${to} and r.ends_at > ${from}
     order by r.starts_at, r.line`
}

/** Who is on call on `line` at instant `at` (latest-created slot wins, so a swap overrides the template). */
export async function onCallAt(
  sql: Q,
  networkId: string,
  line: 'first' | 'second',
  at: Date,
): Promise<string[]> {
  const rows = await sql<{ userId: string }[]>`
    select distinct on (r.line) r.user_id as "userId"
      from rota_slots r join users u on u.id = r.user_id and u.active
     where r.network_id = ${networkId} and r.line = ${line} and r.starts_at <= ${at} and r.ends_at > ${at}
     order by r.line, r.created_at desc`
  return rows.map((r) => r.userId)
}

/** The network's name and settings, as `GET /api/network` shows them. */
export async function networkHeader(sql: Q, networkId: string) {
  const [row] = await sql<{ id: string; name: string; nameEn: string | null; settings: unknown }[]>`
    select id, name, name_en as "nameEn", settings from networks where id = ${networkId}`
  return row
}

/**
 * The names of networks and of their facilities, by id: what a province view labels its groups
 * with (a grant opens another network's aggregates, and its names; never a case).
 */
export async function namesOf(
  q: Q,
  networkIds: readonly string[],
): Promise<Record<string, { name: string; nameEn: string | null; networkId: string }>> {
  const rows = await q<{ id: string; name: string; nameEn: string | null; networkId: string }[]>`
    select id, name, name_en as "nameEn", id as "networkId" from networks where id = any(${networkIds as string[]}::uuid[])
    union all
    select id, name, name_en, network_id from facilities where network_id = any(${networkIds as string[]}::uuid[])`
  return Object.fromEntries(rows.map(({ id, ...r }) => [id, r]))
}
