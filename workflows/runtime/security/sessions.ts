/** One's own sessions: the list (device, last seen, current), revoke one, sign out everywhere. */
import type { Q } from '../platform/connect.ts'

export interface SessionView {
  id: string
  device: string | null
  createdAt: Date
  lastSeenAt: Date
  expiresAt: Date
  remembered: boolean
  current: boolean
}

export async function sessionsOf(q: Q, userId: string, currentTokenHash: string): Promise<SessionView[]> {
  return q<SessionView[]>`
    select id, device, created_at as "createdAt", last_seen_at as "lastSeenAt", expires_at as "expiresAt",
           remembered, token_hash = ${currentTokenHash} as current
      from sessions where user_id = ${userId} and expires_at > now()
     order by last_seen_at desc`
}

export async function revokeSession(q: Q, userId: string, id: string): Promise<boolean> {
  const rows = await q`delete from sessions where user_id = ${userId} and id = ${id} returning 1`
  return rows.length === 1
}

export async function revokeAllSessions(q: Q, userId: string): Promise<number> {
  const rows = await q`delete from sessions where user_id = ${userId} returning 1`
  return rows.length
}
