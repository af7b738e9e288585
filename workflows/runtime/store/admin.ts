/**
 * Network administration queries (docs/admin-api.md): facilities, travel times, settings, audit, readiness.
 * Every function takes the admin's network id and filters by it: another network's ids match nothing.
 */
import type { JSONValue } from 'postgres'
import type { Sql } from '../platform/connect.ts'

import type { FacilityInput } from '../../core/admin-rules.ts'

export type { FacilityInput }

export interface AdminFacility extends FacilityInput {
  id: string
  canLyse: boolean
  active: boolean
  minutesToCounty: number | null
  minutesFromCounty: number | null
}

/** A transaction handle typed as the pool (postgres.js shadows the pool inside `begin`). */
export async function inTx<T>(sql: Sql, fn: (tx: Sql) => Promise<T>): Promise<T> {
  return (await sql.begin((tx) => fn(tx as unknown as Sql))) as T
}

export async function adminFacilities(sql: Sql, networkId: string, id?: string): Promise<AdminFacility[]> {
  return sql<AdminFacility[]>`
    with county as (
      select id from facilities where network_id = ${networkId} and level = 'county' and active
       order by created_at limit 1)
    select f.id, f.name, f.name_en as "nameEn", f.level, f.address, f.has_cath_lab as "hasCathLab",
           f.lysis_drugs as "lysisDrugs", f.lysis_regimens as "lysisRegimens",
           cardinality(f.lysis_drugs) > 0 as "canLyse", f.active,
           (select minutes from travel_times t, county c
             where t.from_facility_id = f.id and t.to_facility_id = c.id) as "minutesToCounty",
           (select minutes from travel_times t, county c
             where t.to_facility_id = f.id and t.from_facility_id = c.id) as "minutesFromCounty"
      from facilities f
     where f.network_id = ${networkId} ${id ? sql`and f.id = ${id}` : sql``}
     order by case f.level when 'county' then 0 when 'township' then 1 else 2 end, f.name`
}

/** The network's active county (PCI) facility: the anchor of the travel-time guard. */
export async function countyFacilityId(sql: Sql, networkId: string): Promise<string | undefined> {
  const [row] = await sql<{ id: string }[]>`
    select id from facilities where network_id = ${networkId} and level = 'county' and active
     order by created_at limit 1`
  return row?.id
}

export async function insertFacility(tx: Sql, networkId: string, f: FacilityInput): Promise<string> {
  const [row] = await tx<{ id: string }[]>`
    insert into facilities (network_id, name, name_en, level, address, has_cath_lab, lysis_drugs, lysis_regimens)
    values (${networkId}, ${f.name}, ${f.nameEn}, ${f.level}, ${f.address}, ${f.hasCathLab}, ${f.lysisDrugs},
            ${tx.json(f.lysisRegimens)})
    returning id`
  return row!.id
}

export async function updateFacility(
  tx: Sql,
  networkId: string,
  id: string,
  f: FacilityInput,
): Promise<void> {
  await tx`
    update facilities set name = ${f.name}, name_en = ${f.nameEn}, level = ${f.level}, address = ${f.address},
           has_cath_lab = ${f.hasCathLab}, lysis_drugs = ${f.lysisDrugs}, lysis_regimens = ${tx.json(f.lysisRegimens)}
     where id = ${id} and network_id = ${networkId}`
}

export async function setFacilityActive(tx: Sql, networkId: string, id: string, active: boolean) {
  await tx`update facilities set active = ${active} where id = ${id} and network_id = ${networkId}`
}

/** Facility ids of this network among `ids` (to reject foreign or unknown ids). */
export async function ownFacilityIds(sql: Sql, networkId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set()
  const rows = await sql<{ id: string }[]>`
    select id from facilities where network_id = ${networkId} and id::text = any(${ids})`
  return new Set(rows.map((r) => r.id))
}

export interface TravelRow {
  from: string
  to: string
  minutes: number
}

export async function travelMatrix(sql: Sql, networkId: string): Promise<TravelRow[]> {
  return sql<TravelRow[]>`
    select from_facility_id as "from", to_facility_id as "to", minutes
      from travel_times where network_id = ${networkId} order by 1, 2`
}

export async function travelPair(sql: Sql, from: string, to: string): Promise<number | null> {
  const [row] = await sql<{ minutes: number }[]>`
    select minutes from travel_times where from_facility_id = ${from} and to_facility_id = ${to}`
  return row?.minutes ?? null
}

export async function upsertTravel(tx: Sql, networkId: string, from: string, to: string, minutes: number) {
  await tx`
    insert into travel_times (network_id, from_facility_id, to_facility_id, minutes)
    values (${networkId}, ${from}, ${to}, ${minutes})
    on conflict (from_facility_id, to_facility_id) do update set minutes = excluded.minutes`
}

export interface NetworkSettings {
  checklist?: 'cn' | 'esc'
  expectedDoorToWireMinutes?: number
  timezone?: string
  [key: string]: unknown
}

export async function networkRow(sql: Sql, networkId: string) {
  const [row] = await sql<{ id: string; name: string; nameEn: string | null; settings: NetworkSettings }[]>`
    select id, name, name_en as "nameEn", settings from networks where id = ${networkId}`
  return row
}

export async function updateNetwork(
  tx: Sql,
  networkId: string,
  n: { name: string; nameEn: string | null; settings: NetworkSettings },
) {
  await tx`update networks set name = ${n.name}, name_en = ${n.nameEn}, settings = ${tx.json(toJson(n.settings))}
            where id = ${networkId}`
}

export const toJson = (v: unknown): JSONValue =>
  v === undefined ? null : (JSON.parse(JSON.stringify(v)) as JSONValue)

/** Each cardiologist of the network with their push devices (the push issue adds readiness taps). */
export async function readiness(sql: Sql, networkId: string) {
  return sql`
    select u.id as "userId", u.username, u.display_name as "displayName", u.active,
           count(p.id)::int as subscriptions,
           max(p.last_success_at) as "lastSuccessAt",
           max(p.last_failure_at) as "lastFailureAt",
           (select r.line from rota_slots r
             where r.user_id = u.id and r.starts_at <= now() and r.ends_at > now()
             order by r.line limit 1) as "onCallNow",
           (select min(r.starts_at) from rota_slots r
             where r.user_id = u.id and r.starts_at > now()) as "nextSlotAt",
           (select max(x.tapped_at) from readiness_checks x where x.user_id = u.id) as "lastTapAt",
           (select x.problem from readiness_checks x
             where x.user_id = u.id order by x.slot_starts_at desc limit 1) as "problem"
      from users u
      join user_roles ur on ur.user_id = u.id and ur.role = 'cardiologist'
      left join push_subscriptions p on p.user_id = u.id
     where u.network_id = ${networkId}
     group by u.id
     order by u.active desc, u.display_name`
}

/** One facility change at a time per network (create, import): the county and travel checks hold. */
export async function lockFacilities(tx: Sql, networkId: string): Promise<void> {
  await tx`select pg_advisory_xact_lock(hashtext(${'facilities:' + networkId}))`
}

export async function lockFacilityRow(tx: Sql, networkId: string, id: string): Promise<void> {
  await tx`select 1 from facilities where id = ${id} and network_id = ${networkId} for update`
}

export async function lockNetworkRow(tx: Sql, networkId: string): Promise<void> {
  await tx`select 1 from networks where id = ${networkId} for update`
}

/** Every username in use (they are unique across networks). */
export async function allUsernames(sql: Sql): Promise<Set<string>> {
  const rows = await sql<{ username: string }[]>`select username from users`
  return new Set(rows.map((u) => u.username))
}

export async function insertNetwork(
  tx: Sql,
  n: { name: string; nameEn: string | null; settings: NetworkSettings },
): Promise<string> {
  const [row] = await tx<{ id: string }[]>`
    insert into networks (name, name_en, settings)
    values (${n.name}, ${n.nameEn}, ${tx.json(toJson(n.settings))})
    returning id`
  return row!.id
}
