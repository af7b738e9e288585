import { EventEmitter } from 'node:events'
import type { Q, Sql } from './platform/connect.ts'

export const LIVE_CHANNEL = 'xinlian_live'

/** What the live stream carries: ids and codes only, never patient data (8000-byte NOTIFY limit). */
export type LiveMessage =
  | { kind: 'case'; caseId: string; networkId: string; facilityIds: string[]; eventId: string; type: string }
  | {
      kind: 'alert'
      caseId: string
      networkId: string
      alertId: string
      template: string
      rule: string | null
      alertKey: string | null
      recipients: string[]
    }
  | { kind: 'user'; networkId: string; recipients: string[]; topic: string; data?: Record<string, unknown> }

/** Queue a live message in the current transaction: PostgreSQL delivers it only on COMMIT. */
export async function publish(q: Q, msg: LiveMessage): Promise<void> {
  await q`select pg_notify(${LIVE_CHANNEL}, ${JSON.stringify(msg)})`
}

/**
 * One LISTEN connection per process fans committed changes out to SSE clients, so several API
 * processes behind a load balancer all see every change. Clients re-fetch on reconnect, so a
 * notification lost while the listener reconnects costs a refresh, not data.
 */
export class LiveHub extends EventEmitter<{ message: [LiveMessage]; resync: [] }> {
  private unlisten: (() => Promise<void>) | undefined

  async start(sql: Sql): Promise<void> {
    this.setMaxListeners(0)
    const sub = await sql.listen(
      LIVE_CHANNEL,
      (payload) => {
        try {
          this.emit('message', JSON.parse(payload) as LiveMessage)
        } catch {
          /* a malformed payload is not ours: ignore */
        }
      },
      () => this.emit('resync'),
    )
    this.unlisten = () => sub.unlisten()
  }

  async stop(): Promise<void> {
    this.removeAllListeners()
    await this.unlisten?.().catch(() => undefined)
  }
}
