import type { PgBoss } from 'pg-boss'
import type { Q } from '../platform/connect.ts'
import { fromPostgresJs } from '../boss.ts'
import { namesOf } from '../store/users.ts'
import type { Alert } from '../notifier.ts'
import { alertPayload, CLINICAL_TTL_SECONDS, topicOf, type PushPayload } from '../../views/push/payload.ts'
import type { CaseState, NetworkInfo } from '../../core/index.ts'
import { insertDelivery, subscriptionsOf, type NewDelivery } from './store.ts'

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

async function cardiologistsAmong(q: Q, ids: readonly string[]): Promise<Set<string>> {
  if (!ids.length) return new Set()
  const rows = await q<{ userId: string }[]>`
    select user_id as "userId" from user_roles where role = 'cardiologist' and user_id = any(${ids}::uuid[])`
  return new Set(rows.map((r) => r.userId))
}

/**
 * The Web Push channel (workflows/runtime/channels/dispatch.ts runs it as one step of the alert
 * ladder): inside the alert's transaction, one `push-send` job per device of each of `userIds`,
 * the payload built now from the state the alert was raised on, so the alert and its pushes
 * commit or roll back together. Returns the users with at least one device.
 */
export async function enqueueAlertPushes(
  q: Q,
  boss: PgBoss,
  retry: PushRetry,
  alert: Alert,
  ctx: { state: CaseState; network: NetworkInfo; now: number },
  userIds: readonly string[],
): Promise<Set<string>> {
  const subs = await subscriptionsOf(q, [...userIds])
  if (!subs.length) return new Set()
  const p = ctx.state.points
  const [cardiologists, names] = await Promise.all([
    cardiologistsAmong(q, userIds),
    namesOf(q, [p.decision?.by ?? null, p.consultAcknowledged?.by ?? null]),
  ])
  const payloads = new Map<boolean, PushPayload>()
  for (const s of subs) {
    const cardiologist = cardiologists.has(s.userId)
    let payload = payloads.get(cardiologist)
    if (!payload) {
      payload = alertPayload({ ...ctx, ...alert, alertId: alert.id, cardiologist, names })
      payloads.set(cardiologist, payload)
    }
    await enqueuePush(q, boss, retry, {
      networkId: alert.networkId,
      alertId: alert.id,
      userId: s.userId,
      subscriptionId: s.id,
      kind: payload.kind,
      payload,
      ttlSeconds: CLINICAL_TTL_SECONDS,
      topic: topicOf(alert.caseId),
    })
  }
  return new Set(subs.map((s) => s.userId))
}
