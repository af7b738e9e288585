/**
 * `GET /api/cases/:id/notifications` — every attempt to reach someone about this case
 * (docs/alert-channels.md): who, on which channel, what the provider answered, delivery,
 * answer, key pressed, acknowledgement. For everyone who can see the case; the township screen
 * renders the calm receipt line from it (workflows/core/receipts.ts), QA and the admin see it all.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { problem } from '../../workflows/core/problem.ts'
import { canSeeCase } from '../../workflows/core/access.ts'
import { attemptsOfCase } from '../../workflows/runtime/store/channel-attempts.ts'
import { getCase } from '../../workflows/runtime/store/cases.ts'
import { requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { op, uuidParams, IsoTime, IsoTimeOrNull, type Operation } from '../http/contract.ts'

const iso = (d: Date | null) => (d ? d.toISOString() : null)

export const caseNotificationRoutes = new Hono<AppEnv>()
  .use(requireUser)
  .get('/:id/notifications', async (c) => {
    const id = c.req.param('id')
    if (!z.uuid().safeParse(id).success) throw problem('not_found')
    const { sql } = c.var.deps
    const row = await getCase(sql, id)
    if (!row || !canSeeCase(c.var.user, row)) throw problem('not_found')
    const rows = await attemptsOfCase(sql, id)
    return c.json(
      rows.map((r) => ({
        alertId: r.alertId,
        alertKey: r.alertKey ?? r.template,
        template: r.template,
        userId: r.userId,
        userName: r.userName,
        step: r.step,
        channel: r.channel,
        provider: r.provider,
        providerId: r.providerId,
        status: r.status,
        createdAt: r.createdAt.toISOString(),
        sentAt: iso(r.sentAt),
        answer: r.answer,
        deliveredAt: iso(r.deliveredAt),
        delivery: r.delivery,
        answeredAt: iso(r.answeredAt),
        keyPressed: r.keyPressed,
        acknowledgedAt: iso(r.acknowledgedAt),
      })),
    )
  })

export const caseNotificationsContract: Operation[] = [
  op({
    method: 'GET',
    path: '/api/cases/:id/notifications',
    summary: 'Every attempt to reach someone about the case (docs/alert-channels.md)',
    roles: 'anyone who can see the case',
    params: uuidParams('id'),
    response: z.array(
      z.object({
        alertId: z.uuid(),
        alertKey: z.string(),
        template: z.string(),
        userId: z.uuid(),
        userName: z.string(),
        step: z.number().int(),
        channel: z.string(),
        provider: z.string(),
        providerId: z.string().nullable(),
        status: z.string(),
        createdAt: IsoTime,
        sentAt: IsoTimeOrNull,
        answer: z.string().nullable(),
        deliveredAt: IsoTimeOrNull,
        delivery: z.string().nullable(),
        answeredAt: IsoTimeOrNull,
        keyPressed: z.string().nullable(),
        acknowledgedAt: IsoTimeOrNull,
      }),
    ),
  }),
]
