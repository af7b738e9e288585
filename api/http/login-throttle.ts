import type { Q } from '../../workflows/runtime/platform/connect.ts'

/**
 * Slow down password guessing, with the counts in PostgreSQL (table login_failures) so that every
 * API process behind the load balancer sees the same ones. Three limits over a sliding window:
 * - per client address: many failures from one address → that address waits;
 * - global: a spray over many addresses and usernames → everyone without a second proof waits;
 * - per account: after a few failures each further attempt waits twice as long as the last
 *   (1 s, 2 s, 4 s … up to `maxDelayS`), a slow-down rather than a lock.
 * None of them can lock a person out: behind a reverse proxy everyone may share one address and a
 * stranger can fail on anyone's username, so a request that also proves a second factor (a live
 * remembered-device cookie, or a correct TOTP / recovery code) passes every limit (api/routes/auth.ts).
 */
export interface ThrottleLimits {
  windowS: number
  perAddress: number
  global: number
  /** Failures per account before the slow-down starts. */
  accountFree: number
  maxDelayS: number
  /** Wrong second-factor codes per account that may pass the limits. */
  codeLimit: number
}

export const DEFAULT_LIMITS: ThrottleLimits = {
  windowS: 15 * 60,
  perAddress: 30,
  global: 300,
  accountFree: 5,
  maxDelayS: 5 * 60,
  codeLimit: 10,
}

export type ThrottleVerdict =
  { blocked: false } | { blocked: true; limit: 'address' | 'global' | 'account'; retryAfterS: number }

export class LoginThrottle {
  readonly limits: ThrottleLimits
  constructor(limits: Partial<ThrottleLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits }
  }

  /** One query, the database clock decides. */
  async check(q: Q, address: string, username: string): Promise<ThrottleVerdict> {
    const l = this.limits
    const [row] = await q<
      {
        addrN: number
        addrWait: number
        globalN: number
        globalWait: number
        userN: number
        userWait: number
      }[]
    >`
      with w as (select now() - ${l.windowS} * interval '1 second' as since),
      a as (select count(*)::int as n, min(at) as first from login_failures, w where address = ${address} and at > w.since),
      g as (select count(*)::int as n, min(at) as first from login_failures, w where at > w.since),
      u as (select count(*)::int as n, max(at) as last from login_failures, w where username = ${username} and at > w.since)
      select a.n as "addrN", coalesce(extract(epoch from a.first + ${l.windowS} * interval '1 second' - now()), 0)::float8 as "addrWait",
             g.n as "globalN", coalesce(extract(epoch from g.first + ${l.windowS} * interval '1 second' - now()), 0)::float8 as "globalWait",
             u.n as "userN",
             coalesce(extract(epoch from u.last
               + least(${l.maxDelayS}, power(2, greatest(u.n - ${l.accountFree}, 0))) * interval '1 second' - now()), 0)::float8 as "userWait"
        from a, g, u`
    const r = row!
    const wait = (s: number) => Math.max(1, Math.ceil(s))
    if (r.addrN >= l.perAddress) return { blocked: true, limit: 'address', retryAfterS: wait(r.addrWait) }
    if (r.globalN >= l.global) return { blocked: true, limit: 'global', retryAfterS: wait(r.globalWait) }
    if (r.userN >= l.accountFree && r.userWait > 0)
      return { blocked: true, limit: 'account', retryAfterS: wait(r.userWait) }
    return { blocked: false }
  }

  async fail(q: Q, address: string, username: string): Promise<void> {
    await q`insert into login_failures (address, username) values (${address}, ${username})`
    // Keep the table small; the index on `at` makes this cheap.
    await q`delete from login_failures where at < now() - interval '1 day'`
  }

  /**
   * Wrong second-factor codes sent with a password are counted apart: once an account has
   * `codeLimit` of them in the window, a code no longer passes the limits (a remembered device
   * still does), so a 6-digit code cannot be guessed past the throttle.
   */
  async codeAllowed(q: Q, username: string): Promise<boolean> {
    const [row] = await q<{ n: number }[]>`
      select count(*)::int as n from login_failures
       where username = ${'#code:' + username} and at > now() - ${this.limits.windowS} * interval '1 second'`
    return (row?.n ?? 0) < this.limits.codeLimit
  }

  async failCode(q: Q, address: string, username: string): Promise<void> {
    await this.fail(q, address, '#code:' + username)
  }

  /** The account's own failures are forgiven once its owner signs in. */
  async succeed(q: Q, username: string): Promise<void> {
    await q`delete from login_failures where username = ${username}`
  }
}
