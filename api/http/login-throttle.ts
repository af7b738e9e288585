/**
 * Slow down password guessing: after 10 failed sign-ins for one (address, username) within
 * 15 minutes, answer 429 until the window passes. Keyed by address AND username so that a
 * stranger cannot lock the on-call cardiologist out of their own account. Per process memory:
 * enough for one hospital server; behind several processes each keeps its own count.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>()
  constructor(
    private readonly limit = 10,
    private readonly windowMs = 15 * 60_000,
  ) {}

  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs)
    if (list.length) this.failures.set(key, list)
    else this.failures.delete(key)
    return list
  }

  /** Seconds to wait, or 0 when a new attempt is allowed. */
  retryAfter(key: string, now = Date.now()): number {
    const list = this.recent(key, now)
    return list.length >= this.limit ? Math.ceil((list[0]! + this.windowMs - now) / 1000) : 0
  }

  fail(key: string, now = Date.now()): void {
    this.failures.set(key, [...this.recent(key, now), now])
  }

  succeed(key: string): void {
    this.failures.delete(key)
  }
}
