import { getConnInfo } from '@hono/node-server/conninfo'
import type { Context } from 'hono'
import type { AppEnv } from './env.ts'

/**
 * The client's address, for throttles and audit. Behind the reverse proxy of docs/operations.md
 * every request comes from the proxy, so the address is read from the header that proxy sets —
 * but only when configured (`XINLIAN_TRUST_PROXY=x-forwarded-for`, `XINLIAN_TRUST_PROXY_HOPS=1`):
 * a client can write any header, so an unconfigured header is never believed. For a list header
 * (X-Forwarded-For) each trusted proxy appends the address it saw: with N trusted hops the
 * client is the N-th entry from the right; entries further left were written by the client.
 */
export function clientAddress(c: Context<AppEnv>): string {
  const trust = c.var.deps.config.trustProxy
  if (trust) {
    const raw = c.req.header(trust.header)
    if (raw) {
      const list = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
      const entry = list.length >= trust.hops ? list[list.length - trust.hops] : list[0]
      if (entry) return entry
    }
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown'
  } catch {
    return 'local' // app.request() in tests has no socket
  }
}
