import { Hono } from 'hono'
import { z } from 'zod'
import { canSeeCase, isClinical } from '../../workflows/runtime/access.ts'
import { recordEvent, Refused, type NewEvent } from '../../workflows/runtime/apply-event.ts'
import { derivedUuid } from '../../workflows/runtime/ids.ts'
import { dbNow, getCase } from '../../workflows/runtime/store/cases.ts'
import { requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { ApiError, forbidden, notFound } from '../http/errors.ts'

/**
 * `POST /api/alerts/:alertId/ack` — acknowledge an alert from the app or the notification (the
 * service worker posts with the device's own session). Records the same event as the events API,
 * with the same checks: `alert_acknowledged {alertKey}` for a deadline alert (stops its repeats),
 * `consult_acknowledged` for a consult (a cardiologist opened it: stops the escalation). The event
 * id derives from (alert, person), so a second tap answers 200 without a second event.
 */
export const alertRoutes = new Hono<AppEnv>().use(requireUser).post('/:alertId/ack', async (c) => {
  const user = c.var.user
  const alertId = c.req.param('alertId')
  if (!z.uuid().safeParse(alertId).success) throw notFound('alert')
  const { sql, rt } = c.var.deps
  const [alert] = await sql<{ caseId: string; template: string; alertKey: string | null }[]>`
    select case_id as "caseId", template, alert_key as "alertKey" from alerts where id = ${alertId}`
  const row = alert ? await getCase(sql, alert.caseId) : undefined
  if (!alert || !row || !canSeeCase(user, row)) throw notFound('alert')
  if (!isClinical(user)) throw forbidden()
  let input: NewEvent
  const id = derivedUuid('alert-ack', alertId, user.id)
  const at = await dbNow(sql)
  if (alert.alertKey) {
    input = { id, type: 'alert_acknowledged', at, data: { alertKey: alert.alertKey, via: 'webpush' } }
  } else if (alert.template === 'consult') {
    if (!user.roles.includes('cardiologist'))
      throw forbidden('Only a cardiologist opens a consult / 仅心内科医生可接收会诊')
    input = { id, type: 'consult_acknowledged', at, data: { via: 'webpush' } }
  } else {
    throw new ApiError(
      422,
      'not_acknowledgeable',
      'This notification needs no acknowledgement / 此通知无需确认',
    )
  }
  const actor = {
    id: user.id,
    roles: user.roles,
    facilityIds: user.facilityIds,
    name: user.displayName,
    networkId: user.networkId,
  }
  try {
    const r = await recordEvent(rt, actor, alert.caseId, input, (c2) => canSeeCase(user, c2))
    // The push's attempt row notes the answer (GET /api/cases/:id/notifications).
    await sql`update channel_attempts set acknowledged_at = coalesce(acknowledged_at, now())
               where alert_id = ${alertId} and user_id = ${user.id} and channel = 'webpush'`
    return c.json(
      { caseId: alert.caseId, eventId: r.event.id, type: input.type, at: new Date(r.event.at).toISOString() },
      r.status,
    )
  } catch (e) {
    // A second tap of the same alert by the same person: same id, later `at` — already done.
    if (e instanceof Refused && e.reason === 'id_reused')
      return c.json({ caseId: alert.caseId, eventId: id, type: input.type, already: true }, 200)
    throw e
  }
})
