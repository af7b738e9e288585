/** SQL for Web Push: subscriptions, deliveries (one push to one device) and the attempts log. */
import type { Q } from '../platform/connect.ts'
import type { PushKind, PushPayload } from '../../views/push/payload.ts'

export interface SubscriptionRow {
  id: string
  userId: string
  endpoint: string
  p256dh: string
  auth: string
}

/**
 * Upsert by endpoint for its owner only: the same browser re-subscribing refreshes its keys. An
 * endpoint bound to another user is never re-bound (that would silently take the on-call
 * cardiologist's device away): `taken` — the new user's browser unsubscribes and subscribes
 * afresh, which yields a new endpoint (pwa/src/views/notifications.tsx).
 */
export async function upsertSubscription(
  q: Q,
  s: { userId: string; endpoint: string; p256dh: string; auth: string; device: string | null },
): Promise<{ id: string; created: boolean } | 'taken'> {
  const [row] = await q<{ id: string; created: boolean }[]>`
    insert into push_subscriptions (user_id, endpoint, p256dh, auth, device)
    values (${s.userId}, ${s.endpoint}, ${s.p256dh}, ${s.auth}, ${s.device})
    on conflict (endpoint) do update
       set p256dh = excluded.p256dh, auth = excluded.auth,
           device = coalesce(excluded.device, push_subscriptions.device), updated_at = now(),
           failure_count = 0, last_status = null
     where push_subscriptions.user_id = excluded.user_id
    returning id, (xmax = 0) as created`
  return row ?? 'taken'
}

/** Remove the caller's own subscription; another user's endpoint is left alone (0 rows). */
export async function deleteOwnSubscription(q: Q, userId: string, endpoint: string): Promise<boolean> {
  const rows =
    await q`delete from push_subscriptions where endpoint = ${endpoint} and user_id = ${userId} returning id`
  return rows.length > 0
}

export async function subscriptionsOf(
  q: Q,
  userIds: readonly string[],
): Promise<{ id: string; userId: string }[]> {
  if (!userIds.length) return []
  return q<{ id: string; userId: string }[]>`
    select id, user_id as "userId" from push_subscriptions where user_id = any(${userIds}::uuid[]) order by created_at`
}

/** One push to one device, as queued (enqueuePush) and stored (push_deliveries). */
export interface NewDelivery {
  networkId: string
  alertId?: string
  readinessId?: string
  userId: string
  subscriptionId: string
  kind: PushKind
  payload: PushPayload
  ttlSeconds: number
  topic: string | null
}

export async function insertDelivery(q: Q, d: NewDelivery): Promise<string> {
  const [row] = await q<{ id: string }[]>`
    insert into push_deliveries (network_id, alert_id, readiness_id, user_id, subscription_id, kind, payload, ttl_seconds, topic)
    values (${d.networkId}, ${d.alertId ?? null}, ${d.readinessId ?? null}, ${d.userId}, ${d.subscriptionId},
            ${d.kind}, ${q.json(d.payload as never)}, ${d.ttlSeconds}, ${d.topic})
    returning id`
  return row!.id
}

/** Several deliveries whose ids the caller made (one INSERT). */
export async function insertDeliveries(q: Q, ds: readonly (NewDelivery & { id: string })[]): Promise<void> {
  if (!ds.length) return
  await q`
    insert into push_deliveries ${q(
      ds.map((d) => ({
        id: d.id,
        network_id: d.networkId,
        alert_id: d.alertId ?? null,
        readiness_id: d.readinessId ?? null,
        user_id: d.userId,
        subscription_id: d.subscriptionId,
        kind: d.kind,
        payload: q.json(d.payload as never),
        ttl_seconds: d.ttlSeconds,
        topic: d.topic,
      })) as never,
    )}`
}

export interface DeliveryToSend {
  id: string
  networkId: string
  alertId: string | null
  readinessId: string | null
  caseId: string | null
  userId: string
  subscriptionId: string
  kind: PushKind
  payload: PushPayload
  ttlSeconds: number
  topic: string | null
  status: 'pending' | 'sent' | 'gone' | 'failed'
  endpoint: string | null
  p256dh: string | null
  auth: string | null
}

export async function deliveryToSend(q: Q, id: string): Promise<DeliveryToSend | undefined> {
  const [row] = await q<DeliveryToSend[]>`
    select d.id, d.network_id as "networkId", d.alert_id as "alertId", d.readiness_id as "readinessId",
           a.case_id as "caseId", d.user_id as "userId", d.subscription_id as "subscriptionId", d.kind,
           d.payload, d.ttl_seconds as "ttlSeconds", d.topic, d.status,
           s.endpoint, s.p256dh, s.auth
      from push_deliveries d
      left join alerts a on a.id = d.alert_id
      left join push_subscriptions s on s.id = d.subscription_id and s.user_id = d.user_id
     where d.id = ${id}`
  return row
}

export type AttemptOutcome = 'sent' | 'gone' | 'retry' | 'failed' | 'refused' | 'no_subscription'

export async function logAttempt(
  q: Q,
  a: {
    d: DeliveryToSend
    endpointHost: string | null
    attempt: number
    outcome: AttemptOutcome
    statusCode: number | null
    error: string | null
    durationMs: number
  },
): Promise<void> {
  await q`insert into push_attempts (network_id, delivery_id, case_id, subscription_id, user_id, endpoint_host,
                                     attempt, outcome, status_code, error, duration_ms)
          values (${a.d.networkId}, ${a.d.id}, ${a.d.caseId}, ${a.d.subscriptionId}, ${a.d.userId}, ${a.endpointHost},
                  ${a.attempt}, ${a.outcome}, ${a.statusCode}, ${a.error?.slice(0, 300) ?? null}, ${Math.round(a.durationMs)})`
}

/** The push service accepted it. */
export async function markSent(q: Q, d: DeliveryToSend, status: number): Promise<void> {
  await q`update push_deliveries set status = 'sent', finished_at = now() where id = ${d.id}`
  // The person's webpush attempt of this alert (workflows/runtime/channels): sent once one device took it.
  if (d.alertId)
    await q`update channel_attempts set status = 'sent', sent_at = coalesce(sent_at, now()),
                   answer = ${String(status)}
             where alert_id = ${d.alertId} and user_id = ${d.userId} and channel = 'webpush' and status = 'queued'`
  await q`update push_subscriptions set last_success_at = now(), last_status = ${status}, failure_count = 0
           where id = ${d.subscriptionId}`
}

/** A final failure (gone, refused, retries exhausted). */
export async function markFailed(q: Q, d: DeliveryToSend, status: 'gone' | 'failed'): Promise<void> {
  await q`update push_deliveries set status = ${status}, finished_at = now() where id = ${d.id}`
  // Failed once no other device of the person is still pending or took it.
  if (d.alertId)
    await q`update channel_attempts set status = 'failed', answer = ${status}
             where alert_id = ${d.alertId} and user_id = ${d.userId} and channel = 'webpush' and status = 'queued'
               and not exists (select 1 from push_deliveries
                                where alert_id = ${d.alertId} and user_id = ${d.userId} and status in ('pending', 'sent'))`
}

export async function noteFailure(q: Q, subscriptionId: string, statusCode: number | null): Promise<void> {
  await q`update push_subscriptions set last_failure_at = now(), last_status = ${statusCode},
                 failure_count = failure_count + 1
           where id = ${subscriptionId}`
}

export async function deleteSubscription(q: Q, id: string): Promise<void> {
  await q`delete from push_subscriptions where id = ${id}`
}

/** Attempts of a case (or of the whole network), newest last, for QA. No endpoint, no payload. */
export async function attemptsOf(q: Q, networkId: string, caseId: string | undefined, limit = 500) {
  return q<
    {
      at: Date
      deliveryId: string
      caseId: string | null
      alertId: string | null
      template: string | null
      readinessId: string | null
      kind: string
      userId: string
      userName: string
      subscriptionId: string
      endpointHost: string | null
      attempt: number
      outcome: string
      statusCode: number | null
      error: string | null
      durationMs: number
    }[]
  >`
    select p.at, p.delivery_id as "deliveryId", p.case_id as "caseId", d.alert_id as "alertId",
           a.template, d.readiness_id as "readinessId", d.kind, p.user_id as "userId",
           u.display_name as "userName", p.subscription_id as "subscriptionId",
           p.endpoint_host as "endpointHost", p.attempt, p.outcome, p.status_code as "statusCode",
           p.error, p.duration_ms as "durationMs"
      from push_attempts p
      join push_deliveries d on d.id = p.delivery_id
      join users u on u.id = p.user_id
      left join alerts a on a.id = d.alert_id
     where p.network_id = ${networkId} ${caseId ? q`and p.case_id = ${caseId}` : q``}
     order by p.id desc
     limit ${limit}`
}

/** The caller's own subscriptions (the endpoint stays server-side; the route shows its host). */
export async function subscriptionsOfUser(q: Q, userId: string) {
  return q<
    { id: string; endpoint: string; device: string | null; createdAt: Date; lastSuccessAt: Date | null }[]
  >`select id, endpoint, device, created_at as "createdAt", last_success_at as "lastSuccessAt"
      from push_subscriptions where user_id = ${userId} order by created_at`
}
