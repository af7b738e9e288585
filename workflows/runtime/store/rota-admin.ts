/**
 * On-call rota administration (docs/admin-api.md). A slot names who is first- or second-line for [startsAt,
 * endsAt); when slots overlap the latest-created wins (`onCallAt`), which is how a swap overrides.
 */
import type { Sql } from '../platform/connect.ts'
import { toJson } from './admin.ts'

export type Line = 'first' | 'second'
export type SlotKind = 'manual' | 'template' | 'swap'

export interface SlotRow {
  id: string
  line: Line
  userId: string
  username: string
  displayName: string
  startsAt: Date
  endsAt: Date
  kind: SlotKind
  note: string | null
  createdAt: Date
}

const slotColumns = (sql: Sql) => sql`
  r.id, r.line, r.user_id as "userId", u.username, u.display_name as "displayName",
  r.starts_at as "startsAt", r.ends_at as "endsAt", r.kind, r.note, r.created_at as "createdAt"`

export async function slotsBetween(sql: Sql, networkId: string, from: Date, to: Date): Promise<SlotRow[]> {
  return sql<SlotRow[]>`
    select ${slotColumns(sql)} from rota_slots r join users u on u.id = r.user_id
     where r.network_id = ${networkId} and r.starts_at < ${to} and r.ends_at > ${from}
     order by r.starts_at, r.line, r.created_at`
}

export async function slotById(sql: Sql, networkId: string, id: string): Promise<SlotRow | undefined> {
  const [row] = await sql<SlotRow[]>`
    select ${slotColumns(sql)} from rota_slots r join users u on u.id = r.user_id
     where r.network_id = ${networkId} and r.id = ${id}`
  return row
}

export async function insertSlot(
  tx: Sql,
  networkId: string,
  s: { line: Line; userId: string; startsAt: Date; endsAt: Date; kind: SlotKind; note: string | null },
  createdBy: string,
): Promise<string> {
  const [row] = await tx<{ id: string }[]>`
    insert into rota_slots (network_id, line, user_id, starts_at, ends_at, kind, note, created_by)
    values (${networkId}, ${s.line}, ${s.userId}, ${s.startsAt}, ${s.endsAt}, ${s.kind}, ${s.note}, ${createdBy})
    returning id`
  return row!.id
}

export async function updateSlot(
  tx: Sql,
  networkId: string,
  id: string,
  s: { line: Line; userId: string; startsAt: Date; endsAt: Date; note: string | null },
) {
  await tx`update rota_slots set line = ${s.line}, user_id = ${s.userId}, starts_at = ${s.startsAt},
                  ends_at = ${s.endsAt}, note = ${s.note}
            where id = ${id} and network_id = ${networkId}`
}

export async function deleteSlot(tx: Sql, networkId: string, id: string) {
  await tx`delete from rota_slots where id = ${id} and network_id = ${networkId}`
}

/** Ids of active cardiologists of the network among `ids`. */
export async function activeCardiologists(sql: Sql, networkId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set()
  const rows = await sql<{ id: string }[]>`
    select u.id from users u join user_roles r on r.user_id = u.id and r.role = 'cardiologist'
     where u.network_id = ${networkId} and u.active and u.id::text = any(${ids})`
  return new Set(rows.map((r) => r.id))
}

export interface Gap {
  from: Date
  to: Date
}

/** First-line gaps in [now, now + days), by the database clock. */
export async function firstLineGaps(sql: Sql, networkId: string, days: number): Promise<Gap[]> {
  return sql<Gap[]>`
    select lower(g) as "from", upper(g) as "to"
      from unnest(rota_first_line_gaps(${networkId}, now(), now() + ${days} * interval '1 day')) g
     order by 1`
}

/** The guard window's gaps as multirange text, taken before a change (now() is fixed per transaction). */
export async function gapSnapshot(tx: Sql, networkId: string, days: number): Promise<string> {
  const [row] = await tx<{ gaps: string }[]>`
    select rota_first_line_gaps(${networkId}, now(), now() + ${days} * interval '1 day')::text as gaps`
  return row!.gaps
}

/** Gaps that exist now in the transaction but did not in `before`: what the change opened. */
export async function gapsOpenedSince(tx: Sql, networkId: string, days: number, before: string) {
  return tx<Gap[]>`
    select lower(g) as "from", upper(g) as "to"
      from unnest(rota_first_line_gaps(${networkId}, now(), now() + ${days} * interval '1 day')
                  - ${before}::tstzmultirange) g
     order by 1`
}

export interface TemplateEntry {
  weekday: number
  startHour: number
  endHour: number
  line: Line
  userId: string
}

export async function rotaTemplate(sql: Sql, networkId: string): Promise<TemplateEntry[]> {
  const [row] = await sql<{ entries: TemplateEntry[] }[]>`
    select entries from rota_templates where network_id = ${networkId}`
  return row?.entries ?? []
}

export async function saveRotaTemplate(tx: Sql, networkId: string, entries: TemplateEntry[], by: string) {
  await tx`
    insert into rota_templates (network_id, entries, updated_by) values (${networkId}, ${tx.json(toJson(entries))}, ${by})
    on conflict (network_id) do update set entries = excluded.entries, updated_by = excluded.updated_by,
                                           updated_at = now()`
}

/**
 * Turn the weekly template into slots for the next `weeks` weeks (local dates in `tz`; an entry whose
 * endHour ≤ startHour runs past midnight). Future template slots of that period are replaced;
 * identical slots are kept, not duplicated; a generated slot overlapping an existing swap is dated
 * just before the swap so the swap keeps winning.
 */
export async function materialiseTemplate(
  tx: Sql,
  networkId: string,
  entries: TemplateEntry[],
  weeks: number,
  tz: string,
  by: string,
): Promise<{ created: number; replaced: number; until: Date }> {
  const [range] = await tx<{ until: Date }[]>`
    select (((now() at time zone ${tz})::date + ${weeks * 7}::int)::timestamp at time zone ${tz}) as until`
  const until = range!.until
  await tx`
    create temp table gen on commit drop as
    with days as (
      select d::date as day
        from generate_series(((now() at time zone ${tz})::date - 1)::timestamp,
                             ((now() at time zone ${tz})::date + ${weeks * 7 - 1}::int)::timestamp,
                             interval '1 day') d),
    e as (
      select * from jsonb_to_recordset(${tx.json(toJson(entries))})
        as x(weekday int, "startHour" int, "endHour" int, line text, "userId" uuid))
    select e.line, e."userId" as user_id,
           (days.day + make_interval(hours => e."startHour")) at time zone ${tz} as starts_at,
           (days.day + make_interval(hours => case when e."endHour" <= e."startHour"
                                                   then e."endHour" + 24 else e."endHour" end)) at time zone ${tz} as ends_at
      from days join e on extract(isodow from days.day) = e.weekday`
  await tx`delete from gen where ends_at <= now() or starts_at >= ${until}`
  const removed = await tx`
    delete from rota_slots r
     where r.network_id = ${networkId} and r.kind = 'template' and r.starts_at >= now() and r.starts_at < ${until}
       and not exists (select 1 from gen g where g.line = r.line and g.user_id = r.user_id
                          and g.starts_at = r.starts_at and g.ends_at = r.ends_at)`
  const inserted = await tx`
    insert into rota_slots (network_id, line, user_id, starts_at, ends_at, kind, created_by, created_at)
    select ${networkId}, g.line, g.user_id, g.starts_at, g.ends_at, 'template', ${by},
           coalesce((select min(s.created_at) - interval '1 millisecond' from rota_slots s
                      where s.network_id = ${networkId} and s.kind = 'swap' and s.line = g.line
                        and s.starts_at < g.ends_at and s.ends_at > g.starts_at), now())
      from gen g
     where not exists (select 1 from rota_slots r where r.network_id = ${networkId} and r.line = g.line
                          and r.user_id = g.user_id and r.starts_at = g.starts_at and r.ends_at = g.ends_at)`
  return { created: inserted.count, replaced: removed.count, until }
}
