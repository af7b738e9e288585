import type { Sql } from '../../workflows/runtime/platform/connect.ts'
import type { UserRow } from '../../workflows/runtime/store/users.ts'

/** The channel the triggers of migrations/0022_session_changes.sql notify on. */
export const SESSIONS_CHANGED_CHANNEL = 'xinlian_sessions_changed'

/**
 * How long this process answers a session from memory before asking the database again. Changes
 * made by another process arrive by notification at once (`listen`); this is the bound if a
 * notification is lost while the listener reconnects: a session ended (sign-out,
 * "sign out everywhere", an admin reset), a person disabled, roles or facilities changed, an
 * idle time-out reached. Changes made through this process are seen at once: sign-out forgets
 * its session and every successful write under /api/admin, /api/auth, /api/me and /api/security
 * empties the cache (api/app.ts).
 */
export const SESSION_CACHE_MS = 5_000

/**
 * Sessions recently checked against the database (api/http/auth.ts `requireUser`), so a tap does
 * not pay a round trip to learn again who is asking. Only accepted sessions are held; an unknown
 * or refused token always asks the database.
 */
export class SessionCache {
  private readonly entries = new Map<string, { at: number; user: UserRow }>()
  readonly ttlMs: number
  private readonly max: number
  constructor(ttlMs = SESSION_CACHE_MS, max = 10_000) {
    this.ttlMs = ttlMs
    this.max = max
  }

  /**
   * Follow every process's changes (LISTEN): the triggers of migrations/0022_session_changes.sql
   * notify when a session ends or a person changes, and this process forgets every cached session.
   * A reconnect clears it too (anything may have changed meanwhile). Returns the unlisten function.
   */
  async listen(sql: Sql): Promise<() => Promise<void>> {
    const sub = await sql.listen(
      SESSIONS_CHANGED_CHANNEL,
      () => this.clear(),
      () => this.clear(),
    )
    return () => sub.unlisten()
  }

  get(tokenHash: string): UserRow | undefined {
    const e = this.entries.get(tokenHash)
    if (!e) return undefined
    if (performance.now() - e.at >= this.ttlMs) {
      this.entries.delete(tokenHash)
      return undefined
    }
    return e.user
  }

  set(tokenHash: string, user: UserRow): void {
    if (this.ttlMs <= 0) return
    this.entries.delete(tokenHash)
    this.entries.set(tokenHash, { at: performance.now(), user })
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!)
  }

  forget(tokenHash: string): void {
    this.entries.delete(tokenHash)
  }

  clear(): void {
    this.entries.clear()
  }

  /** Age every entry by `ms`: tests show the time bound by back-dating instead of sleeping. */
  backdate(ms: number): void {
    for (const e of this.entries.values()) e.at -= ms
  }
}
