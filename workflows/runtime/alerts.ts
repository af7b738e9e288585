/**
 * Acknowledging an alert from the app or the notification (the service worker posts with the
 * device's own session). Records the same event as the events API, with the same checks:
 * `alert_acknowledged {alertKey}` for a deadline alert (stops its repeats), `consult_acknowledged`
 * for a consult (a cardiologist opened it: stops the escalation). The event id derives from
 * (alert, person), so a second tap answers without a second event.
 */
import { canSeeCase, isClinical } from '../core/access.ts'
import { problem, ProblemError } from '../core/problem.ts'
import { recordEvent, Refused, type NewEvent, type Runtime } from './apply-event.ts'
import { actorOf, type RequestCtx } from './context.ts'
import { derivedUuid } from './ids.ts'
import { alertById, markPushAcknowledged } from './store/alerts.ts'
import { dbNow, getCase } from './store/cases.ts'

export type Acknowledged =
  | { status: 200 | 201; caseId: string; eventId: string; type: NewEvent['type']; at: number; already: false }
  | { status: 200; caseId: string; eventId: string; type: NewEvent['type']; already: true }

const isIdReused = (e: unknown) =>
  (e instanceof Refused && e.reason === 'id_reused') ||
  (e instanceof ProblemError && (e.problem.code as string) === 'id_reused')

export async function acknowledgeAlert(rt: Runtime, ctx: RequestCtx, alertId: string): Promise<Acknowledged> {
  const { sql } = rt
  const alert = await alertById(sql, alertId)
  const row = alert ? await getCase(sql, alert.caseId) : undefined
  if (!alert || !row || !canSeeCase(ctx, row)) throw problem('not_found')
  if (!isClinical(ctx)) throw problem('forbidden')
  const id = derivedUuid('alert-ack', alertId, ctx.userId)
  const at = await dbNow(sql)
  let input: NewEvent
  if (alert.alertKey) {
    input = { id, type: 'alert_acknowledged', at, data: { alertKey: alert.alertKey, via: 'webpush' } }
  } else if (alert.template === 'consult') {
    if (!ctx.roles.includes('cardiologist')) throw problem('consult_cardiologist_only')
    input = { id, type: 'consult_acknowledged', at, data: { via: 'webpush' } }
  } else {
    throw problem('not_acknowledgeable')
  }
  try {
    const r = await recordEvent(rt, actorOf(ctx), alert.caseId, input, (c2) => canSeeCase(ctx, c2))
    // The push's attempt row notes the answer (GET /api/cases/:id/notifications).
    await markPushAcknowledged(sql, alertId, ctx.userId)
    return {
      status: r.status,
      caseId: alert.caseId,
      eventId: r.event.id,
      type: input.type,
      at: r.event.at,
      already: false,
    }
  } catch (e) {
    // A second tap of the same alert by the same person: same id, later `at` — already done.
    if (isIdReused(e))
      return { status: 200, caseId: alert.caseId, eventId: id, type: input.type, already: true }
    throw e
  }
}
