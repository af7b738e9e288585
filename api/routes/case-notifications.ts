/**
 * `GET /api/cases/:id/notifications` — every attempt to reach someone about this case
 * (docs/alert-channels.md): who, on which channel, what the provider answered, delivery,
 * answer, key pressed, acknowledgement. For everyone who can see the case; the township screen
 * renders the calm receipt line from it (workflows/core/receipts.ts), QA and the admin see it all.
 */
import { Hono } from 'hono'
import { subHours } from 'date-fns/subHours'
import { z } from 'zod'
import { Uuid } from '../http/params.ts'
import { problem } from '../../workflows/core/problem.ts'
import { canSeeCase } from '../../workflows/core/access.ts'
import { deliveryProblems } from '../../workflows/core/receipts.ts'
import { attemptsOfCase, attemptsWithProblems } from '../../workflows/runtime/store/channel-attempts.ts'
import { onCallAt } from '../../workflows/runtime/store/network.ts'
import { getCase } from '../../workflows/runtime/store/cases.ts'
import { hasRole, requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { op, uuidParams, IsoTime, IsoTimeOrNull, type Operation } from '../http/contract.ts'

const iso = (d: Date | null) => (d ? d.toISOString() : null)

export const caseNotificationRoutes = new Hono<AppEnv>()
  .use(requireUser)
  .get('/:id/notifications', async (c) => {
    const id = c.req.param('id')
    if (!Uuid.safeParse(id).success) throw problem('not_found')
    const { sql } = c.var.deps
    const row = await getCase(sql, id)
    if (!row || !canSeeCase(c.var.user, row)) throw problem('not_found')
    const all = await attemptsOfCase(sql, id)
    // Failures go to the people who can act on them (docs/alert-channels.md): the township
    // physician gets only what the calm receipt line is made of — the attempts that went out.
    const actor = hasRole(c.var.user, 'admin', 'qa', 'cardiologist')
    const rows = actor ? all : all.filter((r) => r.status === 'sent')
    return c.json(
      rows.map((r) => ({
        alertId: r.alertId,
        alertKey: r.alertKey ?? r.template,
        template: r.template,
        userId: r.userId,
        userName: r.userName,
        step: r.step,
        channel: r.channel,
        ...(actor ? { provider: r.provider, providerId: r.providerId } : {}),
        status: r.status,
        createdAt: r.createdAt.toISOString(),
        sentAt: iso(r.sentAt),
        ...(actor ? { answer: r.answer } : {}),
        deliveredAt: iso(r.deliveredAt),
        ...(actor ? { delivery: r.delivery } : {}),
        answeredAt: iso(r.answeredAt),
        keyPressed: r.keyPressed,
        acknowledgedAt: iso(r.acknowledgedAt),
      })),
    )
  })

const ProblemsQuery = z.object({
  hours: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 14)
    .default(24),
})

/**
 * `GET /api/delivery-problems?hours=24` — the alerts of the network that failed to reach
 * someone (no working channel, a vendor error, a per-number cap), for the people who can act:
 * the network admin, and the cardiologist on the second line now (who covers a first-line that
 * was not reached). Anyone else: 403. Per person and alert, in words built by the client from
 * the catalogue (workflows/core/receipts.ts `problemText`).
 */
export const deliveryProblemRoutes = new Hono<AppEnv>().use(requireUser).get('/', async (c) => {
  const user = c.var.user
  const { sql } = c.var.deps
  const q = ProblemsQuery.safeParse(c.req.query())
  if (!q.success) throw problem('invalid', 'hours')
  const now = new Date()
  if (
    !hasRole(user, 'admin') &&
    !(hasRole(user, 'cardiologist') && (await onCallAt(sql, user.networkId, 'second', now)).includes(user.id))
  )
    throw problem('forbidden')
  const rows = await attemptsWithProblems(sql, user.networkId, subHours(now, q.data.hours))
  const byAlert = new Map<string, (typeof rows)[number][]>()
  for (const r of rows) byAlert.set(r.alertId, [...(byAlert.get(r.alertId) ?? []), r])
  const problems = [...byAlert.values()].flatMap((as) =>
    deliveryProblems(
      as.map((a) => ({ ...a, sentAt: null, deliveredAt: null, answeredAt: null, acknowledgedAt: null })),
    ).map((p) => {
      const mine = as.filter((a) => a.userId === p.userId)
      return {
        ...p,
        caseId: as[0]!.caseId,
        facilityName: as[0]!.facilityName,
        template: as[0]!.template,
        at: mine.at(-1)!.createdAt.toISOString(),
        // The vendor's own answer code, for the admin who raises it with the vendor.
        ...(hasRole(user, 'admin') ? { answers: mine.filter((a) => a.answer).map((a) => a.answer) } : {}),
      }
    }),
  )
  return c.json({ problems })
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
        provider: z.string().optional(), // admin, QA and cardiologists only
        providerId: z.string().nullable().optional(), // admin, QA and cardiologists only
        status: z.string(),
        createdAt: IsoTime,
        sentAt: IsoTimeOrNull,
        answer: z.string().nullable().optional(), // admin, QA and cardiologists only
        deliveredAt: IsoTimeOrNull,
        delivery: z.string().nullable().optional(), // admin, QA and cardiologists only
        answeredAt: IsoTimeOrNull,
        keyPressed: z.string().nullable(),
        acknowledgedAt: IsoTimeOrNull,
      }),
    ),
  }),
  op({
    method: 'GET',
    path: '/api/delivery-problems',
    summary: 'Alerts that failed to reach someone, for the admin and the second-line cardiologist',
    roles: 'admin, cardiologist on the second line now',
    query: ProblemsQuery,
    response: z.object({
      problems: z.array(
        z.object({
          alertId: z.uuid().nullable(),
          userId: z.uuid(),
          userName: z.string(),
          reached: z.boolean(),
          items: z.array(z.object({ channel: z.string(), status: z.string() })),
          caseId: z.uuid(),
          facilityName: z.string(),
          template: z.string(),
          at: IsoTime,
          answers: z.array(z.string()).optional(),
        }),
      ),
    }),
  }),
]
