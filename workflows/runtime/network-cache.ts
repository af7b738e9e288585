import type { Q } from './platform/connect.ts'
import type { NetworkInfo } from '../core/index.ts'
import { loadNetworkInfo } from './store/network.ts'

/**
 * Network facts (facilities, travel times) change by admin action, rarely; every event and
 * every timer needs them. Keep them a few seconds per process; `invalidate` after admin edits.
 */
export class NetworkCache {
  private readonly entries = new Map<string, { at: number; info: NetworkInfo }>()
  constructor(private readonly ttlMs = 5_000) {}

  async get(q: Q, networkId: string): Promise<NetworkInfo> {
    const hit = this.entries.get(networkId)
    if (hit && performance.now() - hit.at < this.ttlMs) return hit.info
    const info = await loadNetworkInfo(q, networkId)
    this.entries.set(networkId, { at: performance.now(), info })
    return info
  }

  invalidate(networkId?: string): void {
    if (networkId) this.entries.delete(networkId)
    else this.entries.clear()
  }
}
