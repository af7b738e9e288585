import type { Job, JobWithMetadata } from 'pg-boss'
import webpush, { WebPushError } from 'web-push'
import { log } from '../platform/log.ts'
import { fireTimer, type Runtime } from '../apply-event.ts'
import { inParallel } from '../workers.ts'
import { allowedEndpointHost } from './endpoint-guard.ts'
import { ladderFor, nextEscalationKey, type NotifyTemplate } from '../../core/index.ts'
import {
  PUSH_ESCALATE_QUEUE,
  PUSH_RETRY,
  PUSH_SEND_QUEUE,
  type PushEscalateJob,
  type PushRetry,
  type PushSendJob,
} from './notifier.ts'
import { reportReadiness } from './readiness.ts'
import {
  deleteSubscription,
  deliveryToSend,
  logAttempt,
  markFailed,
  markSent,
  noteFailure,
  type AttemptOutcome,
  type DeliveryToSend,
} from './store.ts'
import type { VapidKeys } from './vapid.ts'

export interface PushSenderDeps {
  rt: Runtime
  vapid: () => Promise<VapidKeys>
  allowedHosts: readonly string[]
  retry?: PushRetry
}

/**
 * Sized for a consult burst: pushes are short HTTPS calls, sent concurrently. The live hub wakes
 * the worker when an alert commits, so the poll interval is only the fallback (readiness pushes,
 * retries).
 */
export const PUSH_WORKER = { batchSize: 20, pollingIntervalSeconds: 0.5, parallel: 20, timeoutMs: 10_000 }

/** Send one delivery; returns whether pg-boss should retry it. Never throws for push-service errors. */
export async function sendDelivery(
  deps: PushSenderDeps,
  deliveryId: string,
  retryCount: number,
  retryLimit: number,
) {
  const { sql } = deps.rt
  const d = await deliveryToSend(sql, deliveryId)
  if (!d || d.status !== 'pending') return { retry: false }
  const attempt = retryCount + 1
  const record = (
    outcome: AttemptOutcome,
    o: { host?: string | null; status?: number | null; error?: string | null; ms?: number },
  ) =>
    logAttempt(sql, {
      d,
      endpointHost: o.host ?? null,
      attempt,
      outcome,
      statusCode: o.status ?? null,
      error: o.error ?? null,
      durationMs: o.ms ?? 0,
    })
  if (!d.endpoint || !d.p256dh || !d.auth) {
    // Unsubscribed (or re-bound to someone else) after the alert: this device gets nothing.
    await record('no_subscription', {})
    await finish(deps, d, 'gone')
    return { retry: false }
  }
  const host = allowedEndpointHost(d.endpoint, deps.allowedHosts)
  if (!host) {
    await record('refused', { error: 'endpoint host not in PUSH_ALLOWED_HOSTS' })
    await finish(deps, d, 'failed')
    return { retry: false }
  }
  const vapid = await deps.vapid()
  const t0 = performance.now()
  try {
    const r = await webpush.sendNotification(
      { endpoint: d.endpoint, keys: { p256dh: d.p256dh, auth: d.auth } },
      JSON.stringify(d.payload),
      {
        vapidDetails: vapid,
        TTL: d.ttlSeconds,
        urgency: 'high',
        ...(d.topic ? { topic: d.topic } : {}),
        timeout: PUSH_WORKER.timeoutMs,
      },
    )
    const ms = performance.now() - t0
    await sql.begin(async (tx) => {
      await logAttempt(tx, {
        d,
        endpointHost: host,
        attempt,
        outcome: 'sent',
        statusCode: r.statusCode,
        error: null,
        durationMs: ms,
      })
      await markSent(tx, d, r.statusCode)
      if (d.readinessId)
        await tx`update readiness_checks set delivered_at = coalesce(delivered_at, now())
                  where id = ${d.readinessId} and user_id = ${d.userId}`
    })
    return { retry: false }
  } catch (e) {
    const ms = performance.now() - t0
    const status = e instanceof WebPushError ? e.statusCode : null
    // Only the status and the error class reach the log: never the payload or the endpoint path.
    const error =
      e instanceof WebPushError ? `push service ${e.statusCode}` : e instanceof Error ? e.message : String(e)
    if (status === 404 || status === 410) {
      await record('gone', { host, status, error, ms })
      await deleteSubscription(sql, d.subscriptionId)
      await finish(deps, d, 'gone')
      return { retry: false }
    }
    await noteFailure(sql, d.subscriptionId, status)
    if (retryCount < retryLimit) {
      await record('retry', { host, status, error, ms })
      return { retry: true }
    }
    await record('failed', { host, status, error, ms })
    await finish(deps, d, 'failed')
    return { retry: false }
  }
}

/**
 * A delivery failed for good. When it was the last hope for its alert (no other device of the
 * recipients delivered or is still trying), the escalation step is fired at once; for a readiness
 * check the admins and the second-line are told. The alert (or check) row is locked so two
 * devices failing at the same moment cannot both think the other is still pending.
 */
async function finish(deps: PushSenderDeps, d: DeliveryToSend, status: 'gone' | 'failed'): Promise<void> {
  const { rt } = deps
  const escalate = await rt.sql.begin(async (tx) => {
    if (d.alertId) {
      const [alert] = await tx<
        { template: NotifyTemplate; alertKey: string | null; caseId: string; networkId: string }[]
      >`
        select template, alert_key as "alertKey", case_id as "caseId", network_id as "networkId"
          from alerts where id = ${d.alertId} for update`
      await markFailed(tx, d, status)
      // Still hope when another device, or another channel of the ladder (WeCom, SMS, voice), is
      // pending or took the alert.
      const [left] = await tx<{ n: number }[]>`
        select ((select count(*) from push_deliveries where alert_id = ${d.alertId} and status in ('pending', 'sent'))
             + (select count(*) from channel_attempts
                 where alert_id = ${d.alertId} and channel <> 'webpush' and status in ('queued', 'sent')))::int
             as n`
      const network = alert ? await rt.networks.get(tx, alert.networkId) : null
      const key = alert && network ? nextEscalationKey(ladderFor(network.ladders, 'consult'), alert) : null
      return left!.n === 0 && key && alert ? { caseId: alert.caseId, key } : null
    }
    const [check] = await tx<{ userId: string }[]>`
      select user_id as "userId" from readiness_checks where id = ${d.readinessId} for update`
    await markFailed(tx, d, status)
    if (check?.userId === d.userId) {
      const [left] = await tx<{ n: number }[]>`
        select count(*)::int as n from push_deliveries
         where readiness_id = ${d.readinessId} and user_id = ${d.userId} and status in ('pending', 'sent')`
      if (left!.n === 0)
        await reportReadiness(tx, rt.boss, d.readinessId!, 'push_failed', deps.retry ?? PUSH_RETRY)
    }
    return null
  })
  if (escalate) {
    const fired = await fireTimer(rt, escalate.caseId, escalate.key, { reason: 'push_failed' })
    log.warn('push failed on every device: escalated at once', {
      caseId: escalate.caseId,
      key: escalate.key,
      fired,
    })
  }
}

/** Start the `push-send` and `push-escalate` workers; returns the worker ids (to stop or wake them). */
export async function startPushWorkers(deps: PushSenderDeps): Promise<{ send: string; escalate: string }> {
  const { boss } = deps.rt
  const send = await boss.work(
    PUSH_SEND_QUEUE,
    {
      batchSize: PUSH_WORKER.batchSize,
      pollingIntervalSeconds: PUSH_WORKER.pollingIntervalSeconds,
      includeMetadata: true,
      perJobResults: true,
    },
    async (jobs: JobWithMetadata<PushSendJob>[]) => {
      const results: { id: string; status: 'completed' | 'failed' }[] = []
      await inParallel(jobs, PUSH_WORKER.parallel, async (job) => {
        try {
          const r = await sendDelivery(deps, job.data.deliveryId, job.retryCount, job.retryLimit)
          results.push({ id: job.id, status: r.retry ? 'failed' : 'completed' })
        } catch (e) {
          log.error('push send failed', {
            deliveryId: job.data.deliveryId,
            error: e instanceof Error ? e.message : String(e),
          })
          results.push({ id: job.id, status: 'failed' })
        }
      })
      return results
    },
  )
  const escalate = await boss.work<PushEscalateJob>(
    PUSH_ESCALATE_QUEUE,
    { batchSize: 10, pollingIntervalSeconds: 0.5 },
    async (jobs: Job<PushEscalateJob>[]) => {
      for (const job of jobs) {
        const fired = await fireTimer(deps.rt, job.data.caseId, job.data.key, { reason: job.data.reason })
        if (fired)
          log.warn('no reachable device: escalated at once', { caseId: job.data.caseId, key: job.data.key })
      }
    },
  )
  return { send, escalate }
}
