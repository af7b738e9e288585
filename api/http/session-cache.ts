import type { UserRow } from '../../workflows/runtime/store/users.ts'

/**
 * How long this process answers a session from memory before asking the database again. The
 * bound on how late a change made by *another* process is seen: a session ended (sign-out,
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
  constructor(
    readonly ttlMs = SESSION_CACHE_MS,
    private readonly max = 10_000,
  ) {}

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
