import type { Actor, Role } from '../core/index.ts'

/**
 * Who is asking, once per request: built by the HTTP edge's request-context middleware
 * (api/http/auth.ts) and handed to every runtime command and audit write.
 */
export interface RequestCtx {
  networkId: string
  userId: string
  displayName: string
  roles: Role[]
  facilityIds: string[]
  /** The user agent, cut to DEVICE_MAX characters, or null (see deviceString). */
  device: string | null
  requestId: string
}

/** What an audit row needs of the context: the CLI and the code redemption build it directly. */
export type AuditCtx = Pick<RequestCtx, 'networkId' | 'userId' | 'device'>

/** One truncation rule for the device string stored in sessions, audit rows and subscriptions. */
export const DEVICE_MAX = 200
export const deviceString = (ua: string | undefined | null): string | null =>
  ua ? ua.slice(0, DEVICE_MAX) : null

/** The clinical actor of `recordEvent` / `createCase`. */
export const actorOf = (ctx: RequestCtx): Actor & { networkId: string } => ({
  id: ctx.userId,
  roles: ctx.roles,
  facilityIds: ctx.facilityIds,
  name: ctx.displayName,
  networkId: ctx.networkId,
})
