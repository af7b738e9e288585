/** People administration queries (docs/admin-api.md): users, roles, facility scope, one-time codes. */
import type { Sql } from '../platform/connect.ts'

export interface AdminUser {
  id: string
  username: string
  displayName: string
  active: boolean
  roles: string[]
  facilityIds: string[]
  createdAt: Date
  sessions: number
  pushSubscriptions: number
  /** Alert channels (docs/alert-channels.md): the mobile number for SMS / voice, the WeCom id. */
  mobile: string | null
  mobileVerified: boolean
  wecomUserId: string | null
}

export async function adminUsers(sql: Sql, networkId: string, id?: string): Promise<AdminUser[]> {
  return sql<AdminUser[]>`
    select u.id, u.username, u.display_name as "displayName", u.active, u.created_at as "createdAt",
           coalesce((select array_agg(role order by role) from user_roles where user_id = u.id), '{}') as roles,
           coalesce((select array_agg(facility_id::text order by facility_id) from user_facilities
                      where user_id = u.id), '{}') as "facilityIds",
           (select count(*)::int from sessions s where s.user_id = u.id and s.expires_at > now()) as sessions,
           (select count(*)::int from push_subscriptions p where p.user_id = u.id) as "pushSubscriptions",
           u.mobile, u.mobile_verified as "mobileVerified", u.wecom_user_id as "wecomUserId"
      from users u
     where u.network_id = ${networkId} ${id ? sql`and u.id = ${id}` : sql``}
     order by u.active desc, u.username`
}

/** A password hash that no password verifies: the user signs in first by redeeming a one-time code. */
export const NO_PASSWORD = '!'

export async function insertUser(
  tx: Sql,
  networkId: string,
  u: { username: string; displayName: string; roles: string[]; facilityIds: string[] },
): Promise<string> {
  const [row] = await tx<{ id: string }[]>`
    insert into users (network_id, username, display_name, password_hash)
    values (${networkId}, ${u.username}, ${u.displayName}, ${NO_PASSWORD}) returning id`
  const id = row!.id
  await setRolesAndScope(tx, id, u.roles, u.facilityIds)
  return id
}

export async function setRolesAndScope(tx: Sql, userId: string, roles: string[], facilityIds: string[]) {
  await tx`delete from user_roles where user_id = ${userId}`
  await tx`delete from user_facilities where user_id = ${userId}`
  for (const role of roles) await tx`insert into user_roles (user_id, role) values (${userId}, ${role})`
  for (const f of facilityIds)
    await tx`insert into user_facilities (user_id, facility_id) values (${userId}, ${f})`
}

/**
 * The person's alert contacts. A new number is unverified until the admin says otherwise, so a
 * typo never becomes the number the ladder calls at night.
 */
export async function setContact(
  tx: Sql,
  userId: string,
  c: { mobile?: string | null; mobileVerified?: boolean; wecomUserId?: string | null },
) {
  if (c.mobile !== undefined)
    await tx`update users set mobile = ${c.mobile},
                   mobile_verified = case when mobile is distinct from ${c.mobile} then false else mobile_verified end
              where id = ${userId}`
  if (c.mobileVerified !== undefined)
    await tx`update users set mobile_verified = ${c.mobileVerified} and mobile is not null where id = ${userId}`
  if (c.wecomUserId !== undefined)
    await tx`update users set wecom_user_id = ${c.wecomUserId} where id = ${userId}`
}

export async function setDisplayName(tx: Sql, userId: string, displayName: string) {
  await tx`update users set display_name = ${displayName} where id = ${userId}`
}

/**
 * Deactivate and cut every way in at once (same transaction): sessions, push subscriptions and
 * unspent one-time codes. Returns how many sessions and subscriptions were removed.
 */
export async function deactivateUser(tx: Sql, userId: string) {
  await tx`update users set active = false where id = ${userId}`
  const sessions = await tx`delete from sessions where user_id = ${userId}`
  const subs = await tx`delete from push_subscriptions where user_id = ${userId}`
  await tx`update user_codes set expires_at = now() where user_id = ${userId} and used_at is null and expires_at > now()`
  return { sessionsEnded: sessions.count, subscriptionsRemoved: subs.count }
}

export async function reactivateUser(tx: Sql, userId: string) {
  await tx`update users set active = true where id = ${userId}`
}

export async function activeAdminCount(sql: Sql, networkId: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from users u join user_roles r on r.user_id = u.id and r.role = 'admin'
     where u.network_id = ${networkId} and u.active`
  return row!.n
}

export const CODE_TTL_HOURS = 24
export const CODE_MAX_ATTEMPTS = 5

/** Store a new one-time code (hashed); earlier unspent codes of the user stop working. */
export async function issueCode(
  tx: Sql,
  c: { userId: string; codeHash: string; purpose: 'initial' | 'reset'; createdBy: string },
): Promise<Date> {
  await tx`update user_codes set expires_at = now()
            where user_id = ${c.userId} and used_at is null and expires_at > now()`
  // A reset is what an admin does when a password may be known to someone else: the sessions
  // opened with it end now, not when the new password is chosen.
  if (c.purpose === 'reset') await tx`delete from sessions where user_id = ${c.userId}`
  const [row] = await tx<{ expiresAt: Date }[]>`
    insert into user_codes (user_id, code_hash, purpose, created_by, expires_at)
    values (${c.userId}, ${c.codeHash}, ${c.purpose}, ${c.createdBy}, now() + ${CODE_TTL_HOURS} * interval '1 hour')
    returning expires_at as "expiresAt"`
  return row!.expiresAt
}

/** The user's one live code, locked for the redeem transaction. */
export async function liveCodeFor(tx: Sql, username: string) {
  const [row] = await tx<{ id: string; userId: string; codeHash: string; networkId: string }[]>`
    select c.id, c.user_id as "userId", c.code_hash as "codeHash", u.network_id as "networkId"
      from user_codes c join users u on u.id = c.user_id and u.active
     where u.username = ${username} and c.used_at is null and c.expires_at > now()
       and c.failed_attempts < ${CODE_MAX_ATTEMPTS}
     order by c.created_at desc limit 1
       for update of c`
  return row
}

export async function codeFailed(sql: Sql, codeId: string) {
  await sql`update user_codes set failed_attempts = failed_attempts + 1 where id = ${codeId}`
}

/** Spend the code, set the password, and end every session of the user (a reset signs out everywhere). */
export async function redeemCode(tx: Sql, codeId: string, userId: string, passwordHash: string) {
  await tx`update user_codes set used_at = now() where id = ${codeId}`
  await tx`update users set password_hash = ${passwordHash} where id = ${userId}`
  await tx`delete from sessions where user_id = ${userId}`
}

export async function lockUserRow(tx: Sql, userId: string): Promise<void> {
  await tx`select 1 from users where id = ${userId} for update`
}

/** Whether another person of the network already has this WeCom id. */
export async function wecomIdTaken(q: Sql, networkId: string, wecomUserId: string, self: string | null) {
  const [other] = await q<{ id: string }[]>`
    select id from users where network_id = ${networkId} and wecom_user_id = ${wecomUserId}
       and id is distinct from ${self}::uuid`
  return other !== undefined
}
