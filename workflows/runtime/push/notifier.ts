import type { PgBoss } from 'pg-boss'
import type { Q } from '../platform/connect.ts'
import { fromPostgresJs } from '../boss.ts'
import { namesOf } from '../store/users.ts'
import type { Alert, Notifier } from '../notifier.ts'
import {
  alertPayload,
  CLINICAL_TTL_SECONDS,
  topicOf,
  type PushKind,
  type PushPayload,
} from '../../views/push/payload.ts'
import { insertDelivery, subscriptionsOf } from './store.ts'

export const PUSH_SEND_QUEUE = 'push-send'
export const PUSH_ESCALATE_QUEUE = 'push-escalate'

export interface PushSendJob {
  deliveryId: string
}
export interface PushEscalateJob {
  caseId: string
  key: string
  reason: 'push_failed' | 'no_subscription'
}

/** Per-job retry settings (the queue's are the defaults); tests shorten them. */
export interface PushRetry {
  retryLimit: number
  retryDelay: number
}
export const PUSH_RETRY: PushRetry = { retryLimit: 3, retryDelay: 1 }

/**
 * The escalation step that an unreachable audience of `alert` makes due at once: the consult
 * (first-line) → `remote_read:escalate:1` (second-line); escalation n → n + 1. Null for alerts
 * whose recipients are not a rota line.
 */
export function nextEscalationKey(alert: { template: string; alertKey: string | null }): string | null {
  if (alert.template === 'consult') return 'remote_read:escalate:1'
  const m = alert.template === 'escalated' ? /^(.+):escalate:(\d+)$/.exec(alert.alertKey ?? '') : null
  return m ? `${m[1]}:escalate:${Number(m[2]) + 1}` : null
}

/** Queue one push to one device, in the caller's transaction. */
export async function enqueuePush(
  q: Q,
  boss: PgBoss,
  retry: PushRetry,
  d: {
    networkId: string
    alertId?: string
    readinessId?: string
    userId: string
    subscriptionId: string
    kind: PushKind
    payload: PushPayload
    ttlSeconds: number
    topic: string | null
  },
): Promise<void> {
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
 * The Web Push notifier: inside the alert's transaction, one `push-send` job per recipient
 * device (payload built now, from the state the alert was raised on), so the alert and its
 * pushes commit or roll back together. A consult (or escalation) whose recipients have no
 * device at all escalates at once through a `push-escalate` job: the case row is locked by this
 * very transaction, so the escalation must run after it commits.
 */
export function pushNotifier(boss: PgBoss, retry: PushRetry = PUSH_RETRY): Notifier {
  return {
    async deliver(q, alert: Alert, ctx) {
      const subs = await subscriptionsOf(q, alert.recipients)
      const next = nextEscalationKey(alert)
      if (!subs.length) {
        if (next)
          await boss.send(
            PUSH_ESCALATE_QUEUE,
            { caseId: alert.caseId, key: next, reason: 'no_subscription' } satisfies PushEscalateJob,
            { db: fromPostgresJs(q as never) },
          )
        return
      }
      const p = ctx.state.points
      const [cardiologists, names] = await Promise.all([
        cardiologistsAmong(q, alert.recipients),
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
    },
  }
}
