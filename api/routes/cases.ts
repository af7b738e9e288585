import { randomUUID } from 'node:crypto'
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { Uuid } from '../http/params.ts'
import {
  ARRIVAL_MODES,
  CLINICAL_EVENT_TYPES,
  fold,
  PAYLOAD_SCHEMAS,
  plan,
  type ClinicalEventType,
} from '../../workflows/core/index.ts'
import { canSeeCase, caseScopeOf, isClinical } from '../../workflows/core/access.ts'
import { recordView } from '../../workflows/runtime/store/audit.ts'
import { caseViewNames } from '../../workflows/runtime/store/users.ts'
import { caseListRow } from '../../workflows/views/case-list.ts'
import { caseView } from '../../workflows/views/case-view.ts'
import { replayCase } from '../../workflows/views/replay.ts'
import { deadlineJson, iso } from '../../workflows/views/time.ts'
import {
  caseInfoOf,
  dbNow,
  getCase,
  listCases,
  loadEvents,
  loadEventsOf,
} from '../../workflows/runtime/store/cases.ts'
import { requireUser } from '../http/auth.ts'
import { recordEventAs, startCaseAs } from '../http/case-writes.ts'
import type { AppEnv } from '../http/env.ts'
import { op, uuidParams, IsoTime, IsoTimeOrNull, type Operation } from '../http/contract.ts'
import { CaseEventJson, CaseListRow, CaseViewJson, DeadlineJson } from '../http/wire.ts'
import { forbidden, notFound, problem } from '../http/errors.ts'
import { clinicalInstant, readJson, readQuery } from '../http/validate.ts'

const isoWithOffset = clinicalInstant

export const NewCaseBody = z.object({
  id: z.uuid().optional(),
  facilityId: z.uuid(),
  patient: z.object({
    sex: z.enum(['male', 'female']),
    age: z.number().int().min(0).max(120),
    weightKg: z.number().min(1).max(400).nullable().optional(),
    name: z.string().trim().max(100).optional(),
    /** The hospital's record number (病案号/门诊号), so QA can match the paper chart. */
    recordNumber: z.string().trim().min(1).max(40).optional(),
  }),
  firstMedicalContactAt: isoWithOffset,
  arrivalMode: z.enum(ARRIVAL_MODES).default('walk_in'),
  symptomOnsetAt: isoWithOffset.optional(),
  symptomOnsetApproximate: z.boolean().optional(),
})

const ListQuery = z.object({
  status: z.enum(['active', 'closed', 'all']).default('active'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
})

/** The case named by `:id` if the caller may see it (404 otherwise: no existence leak), folded. */
async function visibleCase(c: Context<AppEnv>) {
  const id = c.req.param('id') ?? ''
  if (!Uuid.safeParse(id).success) throw notFound('case')
  const { sql, rt } = c.var.deps
  const row = await getCase(sql, id)
  if (!row || !canSeeCase(c.var.user, row)) throw notFound('case')
  const network = await rt.networks.get(sql, row.networkId)
  const [events, now] = await Promise.all([loadEvents(sql, id), dbNow(sql)])
  return { row, events, network, now, state: fold(caseInfoOf(row), events, network) }
}

export const caseRoutes = new Hono<AppEnv>()
  .use(requireUser)
  .post('/', async (c) => {
    const user = c.var.user
    if (!isClinical(user)) throw forbidden()
    const body = await readJson(c, NewCaseBody)
    const id = body.id ?? randomUUID()
    const result = await startCaseAs({ user, ctx: c.var.ctx, deps: c.var.deps }, { ...body, id })
    const row = (await getCase(c.var.deps.sql, id))!
    const names = await caseViewNames(c.var.deps.sql, result.state)
    return c.json(caseView(row, result.state, result.network, result.now, names), result.status)
  })
  .get('/', async (c) => {
    const user = c.var.user
    const { status, limit } = readQuery(c, ListQuery)
    const { sql, rt } = c.var.deps
    const rows = await listCases(sql, {
      networkId: user.networkId,
      status,
      facilityIds: caseScopeOf(user),
      limit,
    })
    const network = await rt.networks.get(sql, user.networkId)
    const events = await loadEventsOf(
      sql,
      rows.map((r) => r.id),
    )
    const now = await dbNow(sql)
    const cases = rows.map((r) =>
      caseListRow(r, fold(caseInfoOf(r), events.get(r.id) ?? [], network), network, now),
    )
    return c.json({ cases, serverTime: iso(now) })
  })
  .get('/:id', async (c) => {
    const { row, state, network, now } = await visibleCase(c)
    await recordView(c.var.deps.sql, {
      user: c.var.user,
      action: 'case.view',
      entity: 'case',
      entityId: row.id,
      device: c.var.ctx.device,
    })
    return c.json(caseView(row, state, network, now, await caseViewNames(c.var.deps.sql, state)))
  })
  .get('/:id/replay', async (c) => {
    const { row, events, network, now } = await visibleCase(c)
    return c.json(replayCase(row, events, network, now))
  })
  .post('/:id/events', async (c) => {
    const user = c.var.user
    const caseId = c.req.param('id')
    if (!Uuid.safeParse(caseId).success) throw notFound('case')
    // QA and admin accounts read; they never record clinical events.
    if (!isClinical(user)) throw forbidden()
    let body: unknown
    try {
      body = await c.req.json()
    } catch {
      throw problem('bad_json')
    }
    const r = await recordEventAs({ user, ctx: c.var.ctx, deps: c.var.deps }, caseId, body)
    // The hot path of every tap: answer from the state the transaction produced, no re-read.
    // `GET /api/cases/:id` has the full view; here the phase and the clocks the screen shows.
    const e = r.event
    return c.json(
      {
        event: {
          id: e.id,
          type: e.type,
          at: iso(e.at),
          recordedAt: iso(e.recordedAt),
          by: e.by,
          byName: e.by === user.id ? user.displayName : null,
          data: e.data,
        },
        case: {
          id: caseId,
          phase: r.state.phase,
          status: r.state.closed ? 'closed' : 'active',
          serverTime: iso(r.now),
          deadlines: plan(r.state, r.network, r.now).map(deadlineJson),
        },
      },
      r.status,
    )
  })

/** The event envelope of `POST /api/cases/:id/events` per type (workflows/core parseEventInput). */
const eventBody = (type: ClinicalEventType) =>
  z
    .object({
      id: z.uuid().describe('client-made UUID: the idempotency key'),
      type: z.literal(type),
      at: z.iso.datetime({ offset: true }).describe('clinical time; ≤ 5 min in the future'),
      override: z.object({ reason: z.string().min(1) }).optional(),
    })
    .and(PAYLOAD_SCHEMAS[type])
export const EventBody = z.union(
  CLINICAL_EVENT_TYPES.map(eventBody) as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]],
)

const caseParam = uuidParams('id')
export const casesContract: Operation[] = [
  op({
    method: 'POST',
    path: '/api/cases',
    summary:
      'Start the chest-pain protocol: case + first_medical_contact (+ symptom_onset); 200 when the id exists',
    roles: 'village_doctor, township_physician, cardiologist, cath_lab, ems_crew',
    body: NewCaseBody,
    status: 201,
    response: CaseViewJson,
  }),
  op({
    method: 'GET',
    path: '/api/cases',
    summary: 'Visible cases',
    roles: 'any',
    query: ListQuery,
    response: z.object({ cases: z.array(CaseListRow), serverTime: IsoTime }),
  }),
  op({
    method: 'GET',
    path: '/api/cases/:id',
    summary: 'Case: phase, events, metrics, deadlines, flags, advice',
    roles: 'any (scoped)',
    params: caseParam,
    response: CaseViewJson,
  }),
  op({
    method: 'GET',
    path: '/api/cases/:id/replay',
    summary: 'Recomputed deadlines and alerts vs recorded',
    roles: 'any (scoped)',
    params: caseParam,
    response: z.object({
      caseId: z.uuid(),
      deadlines: z.array(
        z.object({
          rule: z.string(),
          dueAt: IsoTime,
          status: z.enum(['pending', 'met', 'missed']),
          metAt: IsoTimeOrNull,
        }),
      ),
      expectedAlerts: z.array(z.object({ key: z.string(), at: IsoTime })),
      recordedAlerts: z.array(z.object({ key: z.string(), at: IsoTime, type: z.string() })),
      missing: z.array(z.string()),
      unexpected: z.array(z.string()),
    }),
  }),
  op({
    method: 'POST',
    path: '/api/cases/:id/events',
    summary: '201 stored · 200 same id+body · 409 same id other body / invalid move · 422 invalid',
    roles: 'clinical roles (lysis_decision: cardiologist)',
    params: caseParam,
    body: EventBody,
    status: 201,
    response: z.object({
      event: CaseEventJson,
      case: z.object({
        id: z.uuid(),
        phase: z.string(),
        status: z.enum(['active', 'closed']),
        serverTime: IsoTime,
        deadlines: z.array(DeadlineJson),
      }),
    }),
  }),
]
