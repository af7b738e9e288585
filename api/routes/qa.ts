import { Hono } from 'hono'
import { z } from 'zod'
import { QUALITY_FLAG_CODES, fold } from '../../workflows/core/index.ts'
import { problem } from '../../workflows/core/problem.ts'
import { auditSample, drawAuditSample, recordAbstraction } from '../../workflows/runtime/qa/audit-samples.ts'
import { accessLog, audit, caseAccessLog } from '../../workflows/runtime/store/audit.ts'
import { caseInfoOf, dbNow, getCase, loadEvents } from '../../workflows/runtime/store/cases.ts'
import { ABSTRACTABLE, qaCases, qualityByFacility } from '../../workflows/runtime/store/qa.ts'
import { namesOf } from '../../workflows/runtime/store/users.ts'
import { caseTimeline } from '../../workflows/views/case-timeline.ts'
import { requireRole, requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { DeadlineJson, MetricValues, QualityFlagJson } from '../http/wire.ts'
import { op, uuidParams, IsoTime, IsoTimeOrNull, type Operation } from '../http/contract.ts'
import { idParam } from '../http/params.ts'
import { PeriodQuery, periodOf } from '../http/period.ts'
import { clinicalInstant, readJson, readQuery } from '../http/validate.ts'

const CasesQuery = PeriodQuery.extend({
  flag: z.enum(QUALITY_FLAG_CODES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
})

const AccessQuery = PeriodQuery.extend({ limit: z.coerce.number().int().min(1).max(5000).default(500) })

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

/** QA audit endpoints (docs/qa-api.md): QA and admin of the caller's network only. */
export const qaRoutes = new Hono<AppEnv>()
  .use(requireUser)
  .use(requireRole('qa', 'admin'))
  .get('/cases', async (c) => {
    const q = readQuery(c, CasesQuery)
    const { from, to } = periodOf(q)
    const rows = await qaCases(c.var.deps.sql, {
      networkId: c.var.ctx.networkId,
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
    const facilities = await qualityByFacility(c.var.deps.sql, { networkId: c.var.ctx.networkId, from, to })
    return c.json({ from: from.toISOString(), to: to.toISOString(), facilities })
  })
  .get('/cases/:id/timeline', async (c) => {
    const id = idParam(c)
    const { sql, rt } = c.var.deps
    const row = await getCase(sql, id)
    if (!row || row.networkId !== c.var.ctx.networkId) throw problem('not_found')
    const network = await rt.networks.get(sql, row.networkId)
    const [events, now] = await Promise.all([loadEvents(sql, id), dbNow(sql)])
    const state = fold(caseInfoOf(row), events, network)
    await audit(sql, c.var.ctx, { action: 'case.view', entity: 'case', entityId: id })
    const [names, access] = await Promise.all([
      namesOf(
        sql,
        state.events.map((e) => e.by),
      ),
      caseAccessLog(sql, id),
    ])
    return c.json(caseTimeline(state, network, now, names, access))
  })
  .get('/access', async (c) => {
    const q = readQuery(c, AccessQuery)
    const { from, to } = periodOf(q)
    const rows = await accessLog(c.var.deps.sql, c.var.ctx.networkId, { from, to, limit: q.limit })
    return c.json({ access: rows.map((r) => ({ ...r, at: r.at.toISOString() })) })
  })
  .post('/audit-samples', async (c) => {
    const body = await readJson(c, SampleBody)
    return c.json(await drawAuditSample(c.var.deps.sql, c.var.ctx, body), 201)
  })
  .post('/audit-samples/:id/abstractions', async (c) => {
    const sampleId = idParam(c)
    const body = await readJson(c, AbstractionBody)
    return c.json(await recordAbstraction(c.var.deps.sql, c.var.ctx, sampleId, body), 201)
  })
  .get('/audit-samples/:id', async (c) =>
    c.json(await auditSample(c.var.deps.sql, c.var.ctx.networkId, idParam(c))),
  )

const Abstraction = z.object({
  caseId: z.uuid(),
  timePoint: z.string(),
  paperValue: IsoTimeOrNull,
  systemValue: IsoTimeOrNull,
  differenceMinutes: z.number().nullable(),
  agrees: z.boolean(),
})
const Access = {
  at: IsoTime,
  actorId: z.uuid().nullable(),
  actorName: z.string().nullable(),
  action: z.string(),
  device: z.string().nullable(),
}
export const qaContract: Operation[] = [
  op({
    method: 'GET',
    path: '/api/qa/cases',
    summary: 'QA case list of the period, with quality flags',
    roles: 'qa, admin',
    query: CasesQuery,
    response: z.object({
      cases: z.array(
        z.object({
          caseId: z.uuid(),
          facilityId: z.uuid(),
          refAt: IsoTime,
          month: z.string(),
          diagnosis: z.string().nullable(),
          strategy: z.string().nullable(),
          closed: z.boolean(),
          flagCodes: z.array(z.string()),
          flaggedMetrics: z.array(z.string()),
          completeness: z.number(),
          enteredLate: z.boolean(),
          corrected: z.boolean(),
        }),
      ),
    }),
  }),
  op({
    method: 'GET',
    path: '/api/qa/quality',
    summary: 'Data quality by facility over the period',
    roles: 'qa, admin',
    query: PeriodQuery,
    response: z.object({
      from: IsoTime,
      to: IsoTime,
      facilities: z.array(
        z.object({
          facilityId: z.uuid(),
          cases: z.number().int(),
          flagged: z.number().int(),
          meanCompleteness: z.number(),
          enteredLate: z.number().int(),
          corrected: z.number().int(),
          byFlag: z.record(z.string(), z.number()),
        }),
      ),
    }),
  }),
  op({
    method: 'GET',
    path: '/api/qa/cases/:id/timeline',
    summary: 'Case timeline: every event and correction, who, when; the access log (audited as case.view)',
    roles: 'qa, admin',
    params: uuidParams('id'),
    response: z.object({
      caseId: z.uuid(),
      phase: z.string(),
      closed: z.boolean(),
      facilityId: z.uuid(),
      facilityName: z.string().nullable(),
      events: z.array(
        z.object({
          id: z.uuid(),
          type: z.string(),
          system: z.boolean(),
          at: IsoTimeOrNull,
          originalAt: IsoTimeOrNull,
          recordedAt: IsoTime,
          entryDelayMinutes: z.number(),
          by: z.uuid().nullable(),
          byName: z.string().nullable(),
          facilityId: z.uuid().nullable(),
          facilityName: z.string().nullable(),
          data: z.record(z.string(), z.unknown()),
          originalData: z.record(z.string(), z.unknown()).optional(),
          amendments: z.array(
            z.object({
              correctionId: z.uuid(),
              by: z.uuid().nullable(),
              byName: z.string().nullable(),
              recordedAt: IsoTime,
              changes: z.unknown(),
              reason: z.string().nullable(),
            }),
          ),
          flags: z.array(QualityFlagJson),
        }),
      ),
      metrics: MetricValues,
      deadlines: z.array(
        DeadlineJson.extend({
          warned: z.boolean(),
          mark: z.enum(['missed', 'warned', 'met', 'pending']),
          alerts: z.array(z.object({ kind: z.string(), at: IsoTime, timerKey: z.string() })),
        }),
      ),
      flags: z.array(QualityFlagJson),
      access: z.array(z.object(Access)),
    }),
  }),
  op({
    method: 'GET',
    path: '/api/qa/access',
    summary: 'Who opened which case in the period',
    roles: 'qa, admin',
    query: AccessQuery,
    response: z.object({
      access: z.array(z.object({ ...Access, entity: z.string(), entityId: z.string().nullable() })),
    }),
  }),
  op({
    method: 'POST',
    path: '/api/qa/audit-samples',
    summary: 'Draw a reproducible audit sample of a month, per facility',
    roles: 'qa, admin',
    body: SampleBody,
    status: 201,
    response: z.object({
      id: z.uuid(),
      month: z.string(),
      perFacility: z.number().int(),
      seed: z.string(),
      cases: z.number().int(),
    }),
  }),
  op({
    method: 'POST',
    path: '/api/qa/audit-samples/:id/abstractions',
    summary: "Record the paper chart's value of a time point for a sampled case",
    roles: 'qa, admin',
    params: uuidParams('id'),
    body: AbstractionBody,
    status: 201,
    response: Abstraction.omit({ differenceMinutes: true }),
  }),
  op({
    method: 'GET',
    path: '/api/qa/audit-samples/:id',
    summary: 'An audit sample: its cases and the abstractions so far',
    roles: 'qa, admin',
    params: uuidParams('id'),
    response: z.object({
      id: z.uuid(),
      month: z.string(),
      perFacility: z.number().int(),
      seed: z.string(),
      createdAt: IsoTime,
      toleranceMinutes: z.number(),
      cases: z.array(z.object({ caseId: z.uuid(), facilityId: z.uuid() })),
      abstractions: z.array(Abstraction),
      compared: z.number().int(),
      disagreements: z.number().int(),
      disagreementRate: z.number().nullable(),
    }),
  }),
]
