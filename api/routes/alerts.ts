import { Hono } from 'hono'
import { acknowledgeAlert } from '../../workflows/runtime/alerts.ts'
import { requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
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
