import { z } from 'zod'
import { Hono } from 'hono'
import { acknowledgeAlert } from '../../workflows/runtime/alerts.ts'
import { requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { op, uuidParams, IsoTime, type Operation } from '../http/contract.ts'
import { idParam } from '../http/params.ts'

/** `POST /api/alerts/:alertId/ack` — acknowledge an alert (workflows/runtime/alerts.ts). */
export const alertRoutes = new Hono<AppEnv>().use(requireUser).post('/:alertId/ack', async (c) => {
  const r = await acknowledgeAlert(c.var.deps.rt, c.var.ctx, idParam(c, 'alertId'))
  if (r.already) return c.json({ caseId: r.caseId, eventId: r.eventId, type: r.type, already: true }, 200)
  return c.json(
    { caseId: r.caseId, eventId: r.eventId, type: r.type, at: new Date(r.at).toISOString() },
    r.status,
  )
})

export const alertsContract: Operation[] = [
  op({
    method: 'POST',
    path: '/api/alerts/:alertId/ack',
    summary:
      'Acknowledge an alert (alert_acknowledged, or consult_acknowledged for a consult); 200 when already',
    roles: 'clinical roles (scoped)',
    params: uuidParams('alertId'),
    status: 201,
    response: z.object({
      caseId: z.uuid(),
      eventId: z.uuid(),
      type: z.string(),
      at: IsoTime.optional(),
      already: z.literal(true).optional(),
    }),
  }),
]
