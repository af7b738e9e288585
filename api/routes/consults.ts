import { Hono } from 'hono'
import { z } from 'zod'
import { consultInbox } from '../../workflows/runtime/consults.ts'
import { requireRole, requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { op, IsoTime, IsoTimeOrNull, type Operation } from '../http/contract.ts'
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
    response: z.object({
      consults: z.array(
        z.object({
          caseId: z.uuid(),
          open: z.boolean(),
          phase: z.string(),
          openedAt: IsoTimeOrNull,
          patient: z.object({ sex: z.enum(['male', 'female']), age: z.number() }),
          facilityId: z.uuid(),
          facilityName: z.string().nullable(),
          attachmentId: z.uuid().nullable(),
          acknowledgedAt: IsoTimeOrNull,
          acknowledgedBy: z.uuid().nullable(),
          acknowledgedByName: z.string().nullable(),
          diagnosis: z.string().nullable(),
          decision: z
            .object({
              decision: z.string(),
              reason: z.string().nullable().optional(),
              at: IsoTime,
              byName: z.string().nullable(),
            })
            .nullable(),
          waitingSeconds: z.number().int(),
          relativeContraindications: z.array(z.object({ key: z.string(), label: z.string() })).nullable(),
        }),
      ),
    }),
  }),
]
