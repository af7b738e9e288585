import { randomBytes, randomUUID } from 'node:crypto'
import { Hono } from 'hono'
import { z } from 'zod'
import { QUALITY_FLAG_CODES, fold } from '../../workflows/core/index.ts'
import { caseTimeline } from '../../workflows/runtime/case-timeline.ts'
import { recordAccess } from '../../workflows/runtime/store/audit.ts'
import { caseInfoOf, dbNow, getCase, loadEvents } from '../../workflows/runtime/store/cases.ts'
import {
  ABSTRACTABLE,
  drawSample,
  qaCases,
  qualityByFacility,
  systemValue,
} from '../../workflows/runtime/store/qa.ts'
import { requireRole, requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { notFound } from '../http/errors.ts'
import { clinicalInstant, readJson, readQuery } from '../http/validate.ts'
import { PeriodQuery, periodOf } from './metrics.ts'

/** Re-abstraction tolerance: paper and system disagree when they differ by more than 2 minutes. */
export const DISAGREEMENT_MINUTES = 2

const CasesQuery = PeriodQuery.extend({
  flag: z.enum(QUALITY_FLAG_CODES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
})

const SampleBody = z.object({
  month: z.string().regex(/^\d{4}-\d{2}$/, 'YYYY-MM'),
  perFacility: z.number().int().min(1).max(100),
  seed: z.string().min(1).max(100).optional(),
})

const AbstractionBody = z.object({
  caseId: z.uuid(),
  timePoint: z.enum(ABSTRACTABLE as [string, ...string[]]),
  /** null: the paper record does not document this time point. */
  paperValue: clinicalInstant.nullable(),
})

const deviceOf = (ua: string | undefined) => ua?.slice(0, 200) ?? null

/** QA audit endpoints (docs/qa-api.md): QA and admin of the caller's network only. */
export const qaRoutes = new Hono<AppEnv>()
  .use(requireUser)
  .use(requireRole('qa', 'admin'))
  .get('/cases', async (c) => {
    const q = readQuery(c, CasesQuery)
    const { from, to } = periodOf(q)
    const rows = await qaCases(c.var.deps.sql, {
      networkId: c.var.user.networkId,
      from,
      to,
      facilityId: q.facilityId,
      flag: q.flag,
      limit: q.limit,
    })
    return c.json({ cases: rows.map((r) => ({ ...r, refAt: r.refAt.toISOString() })) })
  })
  .get('/quality', async (c) => {
    const { from, to } = periodOf(readQuery(c, PeriodQuery))
    const facilities = await qualityByFacility(c.var.deps.sql, { networkId: c.var.user.networkId, from, to })
    return c.json({ from: from.toISOString(), to: to.toISOString(), facilities })
  })
  .get('/cases/:id/timeline', async (c) => {
    const id = c.req.param('id')
    if (!z.uuid().safeParse(id).success) throw notFound('case')
    const { sql, rt } = c.var.deps
    const row = await getCase(sql, id)
    if (!row || row.networkId !== c.var.user.networkId) throw notFound('case')
    const network = await rt.networks.get(sql, row.networkId)
    const [events, now] = await Promise.all([loadEvents(sql, id), dbNow(sql)])
    const state = fold(caseInfoOf(row), events, network)
    await recordAccess(sql, {
      user: c.var.user,
      action: 'case.view',
      entity: 'case',
      entityId: id,
      device: deviceOf(c.req.header('user-agent')),
    })
    return c.json(await caseTimeline(sql, state, network, now))
  })
  .get('/access', async (c) => {
    const q = readQuery(
      c,
      PeriodQuery.extend({ limit: z.coerce.number().int().min(1).max(5000).default(500) }),
    )
    const { from, to } = periodOf(q)
    const rows = await c.var.deps.sql<
      {
        at: Date
        actorId: string | null
        actorName: string | null
        action: string
        entity: string
        entityId: string | null
        device: string | null
      }[]
    >`
      select a.at, a.actor_id as "actorId", u.display_name as "actorName", a.action, a.entity,
             a.entity_id as "entityId", a.device
        from audit_log a left join users u on u.id = a.actor_id
       where a.network_id = ${c.var.user.networkId} and a.at >= ${from} and a.at < ${to}
         and a.entity in ('case', 'attachment')
       order by a.at desc limit ${q.limit}`
    return c.json({ access: rows.map((r) => ({ ...r, at: r.at.toISOString() })) })
  })
  .post('/audit-samples', async (c) => {
    const body = await readJson(c, SampleBody)
    const id = randomUUID()
    const seed = body.seed ?? randomBytes(8).toString('hex')
    const n = await c.var.deps.sql.begin((tx) =>
      drawSample(tx, {
        id,
        networkId: c.var.user.networkId,
        month: `${body.month}-01`,
        perFacility: body.perFacility,
        seed,
        by: c.var.user.id,
      }),
    )
    return c.json({ id, month: body.month, perFacility: body.perFacility, seed, cases: n }, 201)
  })
  .post('/audit-samples/:id/abstractions', async (c) => {
    const sampleId = c.req.param('id')
    if (!z.uuid().safeParse(sampleId).success) throw notFound('audit sample')
    const body = await readJson(c, AbstractionBody)
    const { sql } = c.var.deps
    const user = c.var.user
    const [member] = await sql`
      select 1 from audit_sample_cases sc join audit_samples s on s.id = sc.sample_id
       where sc.sample_id = ${sampleId} and sc.case_id = ${body.caseId} and s.network_id = ${user.networkId}`
    if (!member) throw notFound('case in this audit sample')
    const system = await systemValue(sql, body.caseId, body.timePoint)
    const paper = body.paperValue === null ? null : new Date(body.paperValue)
    await sql.begin(async (tx) => {
      const [old] = await tx`
        select paper_value from audit_abstractions
         where sample_id = ${sampleId} and case_id = ${body.caseId} and time_point = ${body.timePoint}`
      await tx`
        insert into audit_abstractions (sample_id, case_id, time_point, paper_value, system_value, recorded_by)
        values (${sampleId}, ${body.caseId}, ${body.timePoint}, ${paper}, ${system}, ${user.id})
        on conflict (sample_id, case_id, time_point) do update
          set paper_value = excluded.paper_value, system_value = excluded.system_value,
              recorded_by = excluded.recorded_by, recorded_at = now()`
      if (old)
        await tx`insert into audit_log (network_id, actor_id, action, entity, entity_id, before, after)
                 values (${user.networkId}, ${user.id}, 'audit.abstraction.update', 'audit_sample', ${sampleId},
                         ${tx.json({ caseId: body.caseId, timePoint: body.timePoint, paperValue: old.paper_value as string | null })},
                         ${tx.json({ caseId: body.caseId, timePoint: body.timePoint, paperValue: body.paperValue })})`
    })
    return c.json(
      {
        caseId: body.caseId,
        timePoint: body.timePoint,
        paperValue: paper?.toISOString() ?? null,
        systemValue: system?.toISOString() ?? null,
        agrees: agrees(system, paper),
      },
      201,
    )
  })
  .get('/audit-samples/:id', async (c) => {
    const sampleId = c.req.param('id')
    if (!z.uuid().safeParse(sampleId).success) throw notFound('audit sample')
    const { sql } = c.var.deps
    const [sample] = await sql<
      { id: string; month: string; perFacility: number; seed: string; createdAt: Date }[]
    >`
      select id, to_char(month, 'YYYY-MM') as month, per_facility as "perFacility", seed, created_at as "createdAt"
        from audit_samples where id = ${sampleId} and network_id = ${c.var.user.networkId}`
    if (!sample) throw notFound('audit sample')
    const cases = await sql<{ caseId: string; facilityId: string }[]>`
      select case_id as "caseId", facility_id::text as "facilityId" from audit_sample_cases
       where sample_id = ${sampleId} order by facility_id, case_id`
    const abstractions = await sql<
      { caseId: string; timePoint: string; paperValue: Date | null; systemValue: Date | null }[]
    >`
      select case_id as "caseId", time_point as "timePoint", paper_value as "paperValue",
             system_value as "systemValue"
        from audit_abstractions where sample_id = ${sampleId} order by case_id, time_point`
    const checked = abstractions.map((a) => ({
      caseId: a.caseId,
      timePoint: a.timePoint,
      paperValue: a.paperValue?.toISOString() ?? null,
      systemValue: a.systemValue?.toISOString() ?? null,
      differenceMinutes:
        a.paperValue && a.systemValue
          ? Math.round((a.systemValue.getTime() - a.paperValue.getTime()) / 6_000) / 10
          : null,
      agrees: agrees(a.systemValue, a.paperValue),
    }))
    const disagreements = checked.filter((a) => !a.agrees).length
    return c.json({
      ...sample,
      createdAt: sample.createdAt.toISOString(),
      toleranceMinutes: DISAGREEMENT_MINUTES,
      cases,
      abstractions: checked,
      compared: checked.length,
      disagreements,
      disagreementRate: checked.length ? Math.round((disagreements / checked.length) * 1000) / 1000 : null,
    })
  })

/**
 * Paper and system agree when both are absent, or both present within 2 minutes (a registry
 * abstractor reads minutes off a paper form; one minute either way is reading error).
 */
function agrees(system: Date | null, paper: Date | null): boolean {
  if (system === null || paper === null) return system === paper
  return Math.abs(system.getTime() - paper.getTime()) <= DISAGREEMENT_MINUTES * 60_000
}
