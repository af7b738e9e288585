/**
 * Province QA read access (qa_network_grants, migrations/0018_province.sql): which QA users of
 * other networks a network's admin granted its aggregates to. The reader of GET
 * /api/province/metrics is grantedNetworks in ./metrics.ts; this module is the admin's side.
 */
import type { Q } from '../platform/connect.ts'

/** One grant of a network, as its admin sees it: the grantee and their home network, who granted it, when. */
export interface QaGrant {
  userId: string
  username: string
  displayName: string
  network: { name: string; nameEn: string | null }
  grantedAt: Date
  grantedBy: { id: string; username: string; displayName: string }
}

interface GrantRow {
  userId: string
  username: string
  displayName: string
  networkName: string
  networkNameEn: string | null
  grantedAt: Date
  byId: string
  byUsername: string
  byDisplayName: string
}

/** The grants of `networkId` (or its grant to `userId`), newest first. */
export async function networkGrants(q: Q, networkId: string, userId?: string): Promise<QaGrant[]> {
  const rows = await q<GrantRow[]>`
    select g.user_id as "userId", u.username, u.display_name as "displayName",
           n.name as "networkName", n.name_en as "networkNameEn", g.granted_at as "grantedAt",
           b.id as "byId", b.username as "byUsername", b.display_name as "byDisplayName"
      from qa_network_grants g
      join users u on u.id = g.user_id
      join networks n on n.id = u.network_id
      join users b on b.id = g.granted_by
     where g.network_id = ${networkId} ${userId ? q`and g.user_id = ${userId}` : q``}
     order by g.granted_at desc, u.username`
  return rows.map((r) => ({
    userId: r.userId,
    username: r.username,
    displayName: r.displayName,
    network: { name: r.networkName, nameEn: r.networkNameEn },
    grantedAt: r.grantedAt,
    grantedBy: { id: r.byId, username: r.byUsername, displayName: r.byDisplayName },
  }))
}

/** The user with login name `username`, with what a grant depends on; undefined when there is none. */
export async function granteeByUsername(q: Q, username: string) {
  const [row] = await q<{ id: string; networkId: string; active: boolean; roles: string[] }[]>`
    select u.id, u.network_id as "networkId", u.active,
           coalesce((select array_agg(role order by role) from user_roles where user_id = u.id), '{}') as roles
      from users u where u.username = ${username}`
  return row
}

export async function hasGrant(q: Q, networkId: string, userId: string): Promise<boolean> {
  const [row] = await q`
    select 1 from qa_network_grants where network_id = ${networkId} and user_id = ${userId}`
  return row !== undefined
}

/** Insert the grant; false when it exists already (a concurrent grant of the same user won). */
export async function insertGrant(
  q: Q,
  g: { networkId: string; userId: string; grantedBy: string },
): Promise<boolean> {
  const rows = await q`
    insert into qa_network_grants (user_id, network_id, granted_by)
    values (${g.userId}, ${g.networkId}, ${g.grantedBy})
    on conflict (user_id, network_id) do nothing returning user_id`
  return rows.length === 1
}

/** Delete the grant of `networkId` to `userId`; false when there was none. */
export async function deleteGrant(q: Q, networkId: string, userId: string): Promise<boolean> {
  const rows = await q`
    delete from qa_network_grants where network_id = ${networkId} and user_id = ${userId}
    returning user_id`
  return rows.length === 1
}
