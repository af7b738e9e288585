import type { Q, Sql } from './platform/connect.ts'
import type { NetworkInfo } from '../core/index.ts'
import { loadNetworkInfo } from './store/network.ts'

/** The channel the triggers of migrations/0010_security.sql notify with a network id. */
export const NETWORK_CHANGED_CHANNEL = 'xinlian_network_changed'

/**
 * Network facts (facilities, travel times) change by admin action, rarely; every event and
 * every timer needs them. Keep them a few seconds per process; `invalidate` after admin edits.
 * With `listen`, a change committed by any process on the database invalidates this one's copy
 * as soon as the notification arrives; the time limit remains the bound if one is lost.
 */
export class NetworkCache {
  private readonly entries = new Map<string, { at: number; info: NetworkInfo }>()
  private readonly ttlMs: number
  constructor(ttlMs = 5_000) {
    this.ttlMs = ttlMs
  }

  async get(q: Q, networkId: string): Promise<NetworkInfo> {
    const hit = this.entries.get(networkId)
    if (hit && performance.now() - hit.at < this.ttlMs) return hit.info
    const info = await loadNetworkInfo(q, networkId)
    this.entries.set(networkId, { at: performance.now(), info })
    return info
  }

  /** Whether a fresh copy of the network is held (tests, diagnostics). */
  cached(networkId: string): boolean {
    const hit = this.entries.get(networkId)
    return hit !== undefined && performance.now() - hit.at < this.ttlMs
  }

  /** Follow changes made by every process (LISTEN); returns the unlisten function. */
  async listen(sql: Sql): Promise<() => Promise<void>> {
    const sub = await sql.listen(
      NETWORK_CHANGED_CHANNEL,
      (id) => this.invalidate(id || undefined),
      () => this.invalidate(), // (re)connected: anything may have changed meanwhile
    )
    return () => sub.unlisten()
  }

  invalidate(networkId?: string): void {
    if (networkId) this.entries.delete(networkId)
    else this.entries.clear()
  }
}
