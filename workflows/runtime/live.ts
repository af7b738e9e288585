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

/** Transactions whose live messages wait for `flushLive` (see `deferLive`). */
const deferred = new WeakMap<Q, LiveMessage[]>()

/** Queue a live message in the current transaction: PostgreSQL delivers it only on COMMIT. */
export async function publish(q: Q, msg: LiveMessage): Promise<void> {
  const held = deferred.get(q)
  if (held) held.push(msg)
  else await q`select pg_notify(${LIVE_CHANNEL}, ${JSON.stringify(msg)})`
}

/**
 * Hold the live messages `publish`ed on `tx` until `flushLive(tx)`, which sends them all in one
 * statement. NOTIFY is delivered only on COMMIT whatever the statement that queued it, so a
 * transaction that flushes before it ends delivers the same messages at the same moment: the
 * timer worker fires many timers per transaction and saves a statement per message
 * (bench/fire-capacity.ts).
 */
export function deferLive(tx: Q): void {
  deferred.set(tx, [])
}

/** Send what `deferLive` held for `tx`, in the order published (call before the transaction ends). */
export async function flushLive(tx: Q): Promise<void> {
  const held = deferred.get(tx)
  deferred.delete(tx)
  if (!held?.length) return
  await tx`
    select pg_notify(${LIVE_CHANNEL}, m)
      from unnest(${held.map((m) => JSON.stringify(m))}::text[]) with ordinality as t(m, i)
     order by i`
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

/** How far back a reconnecting client is caught up; older cursors get a `resync` (re-fetch all). */
export const CATCH_UP_WINDOW_MS = 24 * 3_600_000
/**
 * Cursors are the API process's clock when a message was written, while rows carry the
 * database's clock and commit a moment after they were stamped: replaying a little earlier
 * than the cursor costs at most a duplicate refetch (clients deduplicate alerts by id).
 */
export const CATCH_UP_OVERLAP_MS = 30_000
const CATCH_UP_LIMIT = 200

export interface CatchUp {
  messages: LiveMessage[]
  /** More changed than is worth replaying one by one: the client should re-fetch everything. */
  resync: boolean
}

/**
 * What a client that last saw the stream at `since` has missed: the latest event of every case
 * it may see that changed since then, and the alerts addressed to it. The case replay is a
 * prompt to refetch (the database is the record); the alert replay brings back banners.
 */
export async function missedSince(
  q: Q,
  who: { id: string; networkId: string; facilityScope: string[] | undefined },
  since: number,
): Promise<CatchUp> {
  const from = new Date(since - CATCH_UP_OVERLAP_MS)
  const [cases, alerts] = await Promise.all([
    q<{ caseId: string; facilityIds: string[]; facilityId: string; eventId: string; type: string }[]>`
      select c.id as "caseId", c.facility_ids::text[] as "facilityIds", c.facility_id as "facilityId",
             e.id as "eventId", e.type
        from cases c
        cross join lateral (select id, type from case_events where case_id = c.id order by seq desc limit 1) e
       where c.network_id = ${who.networkId} and c.status in ('active', 'closed') and c.updated_at > ${from}
         ${who.facilityScope ? q`and (c.facility_ids && ${who.facilityScope}::uuid[] or c.facility_id = any(${who.facilityScope}::uuid[]))` : q``}
       order by c.updated_at
       limit ${CATCH_UP_LIMIT + 1}`,
    q<{ alertId: string; caseId: string; template: string; rule: string | null; alertKey: string | null }[]>`
      select id as "alertId", case_id as "caseId", template, rule, alert_key as "alertKey"
        from alerts
       where network_id = ${who.networkId} and recipients @> array[${who.id}]::uuid[] and created_at > ${from}
       order by created_at
       limit ${CATCH_UP_LIMIT + 1}`,
  ])
  const resync = cases.length > CATCH_UP_LIMIT || alerts.length > CATCH_UP_LIMIT
  const messages: LiveMessage[] = [
    ...cases.slice(0, CATCH_UP_LIMIT).map((c): LiveMessage => ({
      kind: 'case',
      caseId: c.caseId,
      networkId: who.networkId,
      facilityIds: [c.facilityId, ...c.facilityIds],
      eventId: c.eventId,
      type: c.type,
    })),
    ...alerts
      .slice(0, CATCH_UP_LIMIT)
      .map((a): LiveMessage => ({ kind: 'alert', networkId: who.networkId, recipients: [who.id], ...a })),
  ]
  return { messages, resync }
}
