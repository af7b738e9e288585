import { Hono } from 'hono'
import { z } from 'zod'
import { consultInbox } from '../../workflows/runtime/consults.ts'
import { requireRole, requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { op, uuidParams, IsoTime, IsoTimeOrNull, Ok, type Operation } from '../http/contract.ts'
import { readQuery } from '../http/validate.ts'

const InboxQuery = z.object({ status: z.enum(['open', 'all']).default('open') })

/**
 * `GET /api/consults?status=open|all` — the cardiologists' inbox. Opening a consult is the
 * `consult_acknowledged` event (events API), which stops the escalation.
 */
export const consultRoutes = new Hono<AppEnv>()
  .use(requireUser, requireRole('cardiologist'))
  .get('/', async (c) => {
    const { status } = readQuery(c, InboxQuery)
    const { sql, rt } = c.var.deps
    return c.json({ consults: await consultInbox(sql, rt.networks, c.var.user.networkId, status) })
  })

export const consultsContract: Operation[] = [
  op({
    method: 'GET',
    path: '/api/consults',
    summary: 'Consult inbox',
    roles: 'cardiologist',
    query: InboxQuery,
    response: z.unknown(),
  }),
]
