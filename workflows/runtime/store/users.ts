import type { Q } from '../platform/connect.ts'
import type { CaseState, Role } from '../../core/index.ts'

export interface UserRow {
  id: string
  networkId: string
  username: string
  displayName: string
  active: boolean
  roles: Role[]
  facilityIds: string[]
}

export async function findUserForLogin(
  sql: Q,
  username: string,
): Promise<(UserRow & { passwordHash: string }) | undefined> {
  const [row] = await sql<(UserRow & { passwordHash: string })[]>`
    select u.id, u.network_id as "networkId", u.username, u.display_name as "displayName", u.active,
           u.password_hash as "passwordHash",
           coalesce((select array_agg(role order by role) from user_roles where user_id = u.id), '{}') as roles,
           coalesce((select array_agg(facility_id::text) from user_facilities where user_id = u.id), '{}') as "facilityIds"
      from users u where u.username = ${username}`
  return row
}

export async function createSession(
  sql: Q,
  s: { tokenHash: string; userId: string; ttlMs: number; device: string | null; remembered?: boolean },
): Promise<Date> {
  const [row] = await sql<{ expiresAt: Date }[]>`
    insert into sessions (token_hash, user_id, expires_at, device, remembered)
    values (${s.tokenHash}, ${s.userId}, now() + ${s.ttlMs / 1000} * interval '1 second', ${s.device},
            ${s.remembered ?? false})
    returning expires_at as "expiresAt"`
  return row!.expiresAt
}

/**
 * The signed-in user of a live session, or undefined (expired, idle past the network's idle timeout,
 * deactivated, unknown). Touches last_seen. Sessions opened on a remembered device (after the
 * second factor) keep only their absolute expiry: the on-call phone (migrations/0010_security.sql).
 */
export async function userBySession(sql: Q, tokenHash: string): Promise<UserRow | undefined> {
  const [row] = await sql<UserRow[]>`
    -- Touch last_seen at most once a minute: a write on every request would cost every request.
    with s as (
      select s.user_id from sessions s
        join users su on su.id = s.user_id
        left join security_policies p on p.network_id = su.network_id
       where s.token_hash = ${tokenHash} and s.expires_at > now()
         and (p.idle_timeout_minutes is null or s.remembered
              or s.last_seen_at > now() - p.idle_timeout_minutes * interval '1 minute')),
    touched as (
      update sessions set last_seen_at = now()
       where token_hash = ${tokenHash} and last_seen_at < now() - interval '1 minute'
         and exists (select 1 from s)) -- an idle-expired session is not revived by trying it
    select u.id, u.network_id as "networkId", u.username, u.display_name as "displayName", u.active,
           coalesce((select array_agg(role order by role) from user_roles where user_id = u.id), '{}') as roles,
           coalesce((select array_agg(facility_id::text) from user_facilities where user_id = u.id), '{}') as "facilityIds"
      from s join users u on u.id = s.user_id
     where u.active`
  return row
}

export async function deleteSession(sql: Q, tokenHash: string): Promise<void> {
  await sql`delete from sessions where token_hash = ${tokenHash}`
}

/** Display names of the people on a case or timeline (one query), for the views. */
export async function namesOf(q: Q, ids: readonly (string | null)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((x): x is string => !!x))]
  if (!wanted.length) return new Map()
  const rows = await q<{ id: string; displayName: string }[]>`
    select id, display_name as "displayName" from users where id = any(${wanted}::uuid[])`
  return new Map(rows.map((r) => [r.id, r.displayName]))
}

/** The people on a case view: everyone who recorded or acknowledged something. */
export const caseViewNames = (q: Q, state: CaseState) =>
  namesOf(q, [...state.events.map((e) => e.by), ...state.acknowledgements.map((a) => a.by)])

/** The username of a person (the second-factor step signs in by id). */
export async function usernameOf(q: Q, userId: string): Promise<string | undefined> {
  const [r] = await q<{ username: string }[]>`select username from users where id = ${userId}`
  return r?.username
}

/** Whether the person belongs to the network (admin actions on people). */
export async function userInNetwork(q: Q, userId: string, networkId: string): Promise<boolean> {
  const [r] = await q`select 1 from users where id = ${userId} and network_id = ${networkId}`
  return r !== undefined
}

/** End every session of a person (a reset second factor or password). */
export async function endSessionsOf(q: Q, userId: string): Promise<void> {
  await q`delete from sessions where user_id = ${userId}`
}
