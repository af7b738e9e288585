import { randomUUID } from 'node:crypto'
import type { PgBoss } from 'pg-boss'
import type { Q } from '../platform/connect.ts'
import { fromPostgresJs } from '../boss.ts'
import { namesOf } from '../store/users.ts'
import type { Alert } from '../notifier.ts'
import { alertPayload, CLINICAL_TTL_SECONDS, topicOf, type PushPayload } from '../../views/push/payload.ts'
import type { CaseState, NetworkInfo } from '../../core/index.ts'
import { insertDeliveries, insertDelivery, type NewDelivery } from './store.ts'
import { settleAll } from '../settle.ts'

export const PUSH_SEND_QUEUE = 'push-send'
export const PUSH_ESCALATE_QUEUE = 'push-escalate'

export interface PushSendJob {
  deliveryId: string
}
export interface PushEscalateJob {
  caseId: string
  key: string
  reason: 'push_failed' | 'no_subscription' | 'capped' | 'channel_failed'
}

/** Per-job retry settings (the queue's are the defaults); tests shorten them. */
export interface PushRetry {
  retryLimit: number
  retryDelay: number
}
export const PUSH_RETRY: PushRetry = { retryLimit: 3, retryDelay: 1 }

/** Queue one push to one device, in the caller's transaction. */
export async function enqueuePush(q: Q, boss: PgBoss, retry: PushRetry, d: NewDelivery): Promise<void> {
  const deliveryId = await insertDelivery(q, d)
  await boss.send(PUSH_SEND_QUEUE, { deliveryId } satisfies PushSendJob, {
    db: fromPostgresJs(q as never),
    retryLimit: retry.retryLimit,
    retryDelay: retry.retryDelay,
    retryBackoff: true,
  })
}

/** A recipient of an alert's pushes, as the ladder read them (workflows/runtime/channels/dispatch.ts). */
export interface PushRecipient {
  userId: string
  cardiologist: boolean
  /** Their Web Push subscriptions, oldest first. */
  subscriptionIds: readonly string[]
}

/**
 * The Web Push channel (workflows/runtime/channels/dispatch.ts runs it as one step of the alert
 * ladder): inside the alert's transaction, one `push-send` job per device of each recipient,
 * the payload built now from the state the alert was raised on, so the alert and its pushes
 * commit or roll back together. The delivery rows go in one INSERT and their jobs in one insert
 * (a burst of deadlines raises thousands of alerts a minute: bench/fire-capacity.ts). Returns
 * the users with at least one device.
 */
export async function enqueueAlertPushes(
  q: Q,
  boss: PgBoss,
  retry: PushRetry,
  alert: Alert,
  ctx: { state: CaseState; network: NetworkInfo; now: number },
  recipients: readonly PushRecipient[],
): Promise<Set<string>> {
  const reached = recipients.filter((r) => r.subscriptionIds.length)
  if (!reached.length) return new Set()
  const p = ctx.state.points
  const names = await namesOf(q, [p.decision?.by ?? null, p.consultAcknowledged?.by ?? null])
  const payloads = new Map<boolean, PushPayload>()
  const deliveries: (NewDelivery & { id: string })[] = []
  for (const r of reached) {
    let payload = payloads.get(r.cardiologist)
    if (!payload) {
      payload = alertPayload({ ...ctx, ...alert, alertId: alert.id, cardiologist: r.cardiologist, names })
      payloads.set(r.cardiologist, payload)
    }
    for (const subscriptionId of r.subscriptionIds)
      deliveries.push({
        id: randomUUID(),
        networkId: alert.networkId,
        alertId: alert.id,
        userId: r.userId,
        subscriptionId,
        kind: payload.kind,
        payload,
        ttlSeconds: CLINICAL_TTL_SECONDS,
        topic: topicOf(alert.caseId),
      })
  }
  // Both in this transaction, pipelined: a job names its delivery row by id, made here.
  await settleAll([
    insertDeliveries(q, deliveries),
    boss.insert(
      PUSH_SEND_QUEUE,
      deliveries.map((d) => ({
        data: { deliveryId: d.id } satisfies PushSendJob,
        retryLimit: retry.retryLimit,
        retryDelay: retry.retryDelay,
        retryBackoff: true,
      })),
      { db: fromPostgresJs(q as never) },
    ),
  ])
  return new Set(reached.map((r) => r.userId))
}
