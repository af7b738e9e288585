import { randomUUID } from 'node:crypto'
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { ARRIVAL_MODES, fold, parseEventInput, plan, type Actor } from '../../workflows/core/index.ts'
import { canSeeCase, caseScopeOf, isClinical, isNetworkWide } from '../../workflows/runtime/access.ts'
import { createCase, recordEvent } from '../../workflows/runtime/apply-event.ts'
import { recordView } from '../../workflows/runtime/store/audit.ts'
import { caseView } from '../../workflows/runtime/case-view.ts'
import { replayCase } from '../../workflows/runtime/replay.ts'
import {
  caseInfoOf,
  dbNow,
  getCase,
  listCases,
  loadEvents,
  loadEventsOf,
} from '../../workflows/runtime/store/cases.ts'
import type { UserRow } from '../../workflows/runtime/store/users.ts'
import { requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { ApiError, forbidden, notFound } from '../http/errors.ts'
import { readJson, readQuery } from '../http/validate.ts'
import { assertAttachmentOfCase } from './attachments.ts'

const isoWithOffset = z.iso.datetime({ offset: true })

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

const actorOf = (u: UserRow): Actor & { networkId: string } => ({
  id: u.id,
  roles: u.roles,
  facilityIds: u.facilityIds,
  name: u.displayName,
  networkId: u.networkId,
})

const deviceOf = (ua: string | undefined) => ua?.slice(0, 200) ?? null

/** The case named by `:id` if the caller may see it (404 otherwise: no existence leak), folded. */
async function visibleCase(c: Context<AppEnv>) {
  const id = c.req.param('id') ?? ''
  if (!z.uuid().safeParse(id).success) throw notFound('case')
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
    if (!isClinical(user)) throw forbidden('Only clinical staff can start a case / 仅临床人员可建立病例')
    const body = await readJson(c, NewCaseBody)
    const { rt } = c.var.deps
    const network = await rt.networks.get(c.var.deps.sql, user.networkId)
    if (!network.facilities.some((f) => f.id === body.facilityId)) {
      throw new ApiError(422, 'invalid', 'facilityId: not a facility of your network', 'facilityId')
    }
    if (!isNetworkWide(user) && !user.facilityIds.includes(body.facilityId)) {
      throw new ApiError(
        403,
        'forbidden',
        'facilityId: you do not work at this facility / 非本机构',
        'facilityId',
      )
    }
    const id = body.id ?? randomUUID()
    const result = await createCase(rt, actorOf(user), {
      id,
      facilityId: body.facilityId,
      patient: body.patient,
      firstMedicalContactAt: Date.parse(body.firstMedicalContactAt),
      arrivalMode: body.arrivalMode,
      symptomOnsetAt: body.symptomOnsetAt ? Date.parse(body.symptomOnsetAt) : undefined,
      symptomOnsetApproximate: body.symptomOnsetApproximate,
    })
    const row = (await getCase(c.var.deps.sql, id))!
    return c.json(
      await caseView(c.var.deps.sql, row, result.state, result.network, result.now),
      result.status,
    )
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
    const facilityName = (id: string) => network.facilities.find((f) => f.id === id)?.name ?? null
    const cases = rows.map((r) => {
      const state = fold(caseInfoOf(r), events.get(r.id) ?? [], network)
      return {
        id: r.id,
        phase: state.phase,
        status: r.status,
        patient: r.patient,
        facilityId: r.facilityId,
        facilityName: facilityName(r.facilityId),
        currentFacilityId: state.currentFacilityId,
        currentFacilityName: facilityName(state.currentFacilityId),
        createdAt: r.createdAt.toISOString(),
        updatedAt: r.updatedAt.toISOString(),
        fmcAt: state.points.fmc === null ? null : new Date(state.points.fmc).toISOString(),
        deadlines: plan(state, network, now)
          .filter((d) => d.status !== 'met')
          .map((d) => ({
            rule: d.rule,
            status: d.status,
            dueAt: new Date(d.dueAt).toISOString(),
            warnAt: d.warnAt === null ? null : new Date(d.warnAt).toISOString(),
          })),
      }
    })
    return c.json({ cases, serverTime: new Date(now).toISOString() })
  })
  .get('/:id', async (c) => {
    const { row, state, network, now } = await visibleCase(c)
    await recordView(c.var.deps.sql, {
      user: c.var.user,
      action: 'case.view',
      entity: 'case',
      entityId: row.id,
      device: deviceOf(c.req.header('user-agent')),
    })
    return c.json(await caseView(c.var.deps.sql, row, state, network, now))
  })
  .get('/:id/replay', async (c) => {
    const { row, events, network, now } = await visibleCase(c)
    return c.json(replayCase(row, events, network, now))
  })
  .post('/:id/events', async (c) => {
    const user = c.var.user
    const caseId = c.req.param('id')
    if (!z.uuid().safeParse(caseId).success) throw notFound('case')
    if (!isClinical(user))
      throw forbidden('QA and admin accounts cannot record clinical events / 质控与管理员不能记录临床事件')
    let body: unknown
    try {
      body = await c.req.json()
    } catch {
      throw new ApiError(400, 'bad_json', 'Request body must be JSON / 请求体须为 JSON')
    }
    const parsed = parseEventInput(body)
    if (!parsed.ok) throw new ApiError(422, 'invalid', `${parsed.field}: ${parsed.message}`, parsed.field)
    const { rt, sql } = c.var.deps
    await assertAttachmentOfCase(sql, caseId, parsed.value.data)
    const r = await recordEvent(rt, actorOf(user), caseId, parsed.value, (row) => canSeeCase(user, row))
    // The hot path of every tap: answer from the state the transaction produced, no re-read.
    // `GET /api/cases/:id` has the full view; here the phase and the clocks the screen shows.
    const iso = (t: number) => new Date(t).toISOString()
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
          deadlines: plan(r.state, r.network, r.now).map((d) => ({
            rule: d.rule,
            dueAt: iso(d.dueAt),
            warnAt: d.warnAt === null ? null : iso(d.warnAt),
            status: d.status,
            metAt: d.metAt === null ? null : iso(d.metAt),
          })),
        },
      },
      r.status,
    )
  })
