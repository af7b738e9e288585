/** `/api/admin/rota`: slots, swaps, the weekly template, and the first-line gaps. */
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { ROTA_GUARD_DAYS } from '../../workflows/core/admin-rules.ts'
import { problem } from '../../workflows/core/problem.ts'
import {
  createSlot,
  deleteSlot,
  materialise,
  networkTimeZone,
  putTemplate,
  updateSlot,
} from '../../workflows/runtime/admin/rota.ts'
import { firstLineGaps, rotaTemplate, slotsBetween } from '../../workflows/runtime/store/rota-admin.ts'
import type { AppEnv } from '../http/env.ts'
import { op, uuidParams, IsoTime, type Operation } from '../http/contract.ts'
import { Force, idParam, readOptionalJson, Uuid } from '../http/params.ts'
import { instant, readQuery } from '../http/validate.ts'

const DAY = 24 * 3600_000
const MAX_RANGE_DAYS = 92
const Line = z.enum(['first', 'second'])
const Instant = instant.transform((s) => new Date(s))
const SlotFields = {
  line: Line,
  userId: Uuid,
  startsAt: Instant,
  endsAt: Instant,
  note: z.string().trim().max(300).nullable().optional(),
}
const CreateSlot = z.strictObject(SlotFields)
const PatchSlot = z.strictObject({ ...SlotFields, force: Force }).partial()
const DeleteSlot = z.strictObject({ force: Force })
const RangeQuery = z.object({ from: Instant.optional(), to: Instant.optional() })
const GapsQuery = z.object({ days: z.coerce.number().int().min(1).max(90).default(ROTA_GUARD_DAYS) })
/** ISO weekday (Monday = 1), local hours; endHour ≤ startHour runs past midnight (20 → 8). */
const TemplateEntry = z.strictObject({
  weekday: z.number().int().min(1).max(7),
  startHour: z.number().int().min(0).max(23),
  endHour: z.number().int().min(1).max(24),
  line: Line,
  userId: Uuid,
})
const PutTemplate = z.strictObject({ entries: z.array(TemplateEntry).max(200) })
const Materialise = z.strictObject({ weeks: z.number().int().min(1).max(12), force: Force })

async function postSlot(c: Context<AppEnv>, kind: 'manual' | 'swap') {
  const s = await readOptionalJson(c, CreateSlot)
  return c.json({ slot: await createSlot(c.var.deps.sql, c.var.ctx, s, kind) }, 201)
}

export const rotaRoutes = new Hono<AppEnv>()
  .get('/', async (c) => {
    const q = readQuery(c, RangeQuery)
    const from = q.from ?? new Date(Date.now() - DAY)
    const to = q.to ?? new Date(from.getTime() + (ROTA_GUARD_DAYS + 1) * DAY)
    if (to <= from) throw problem('ends_before_start', 'to')
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY)
      throw problem('range_too_long', 'to', { days: MAX_RANGE_DAYS })
    return c.json({ from, to, slots: await slotsBetween(c.var.deps.sql, c.var.ctx.networkId, from, to) })
  })
  .get('/gaps', async (c) => {
    const { days } = readQuery(c, GapsQuery)
    const gaps = await firstLineGaps(c.var.deps.sql, c.var.ctx.networkId, days)
    return c.json({ days, line: 'first', gaps })
  })
  .post('/slots', (c) => postSlot(c, 'manual'))
  .post('/swaps', (c) => postSlot(c, 'swap'))
  .patch('/slots/:id', async (c) => {
    const id = idParam(c)
    const body = await readOptionalJson(c, PatchSlot)
    return c.json({ slot: await updateSlot(c.var.deps.sql, c.var.ctx, id, body) })
  })
  .delete('/slots/:id', async (c) => {
    const id = idParam(c)
    const body = await readOptionalJson(c, DeleteSlot)
    const force = body.force || c.req.query('force') === 'true' || c.req.query('force') === '1'
    await deleteSlot(c.var.deps.sql, c.var.ctx, id, force)
    return c.json({ deleted: id })
  })
  .get('/template', async (c) => {
    const { sql } = c.var.deps
    const networkId = c.var.ctx.networkId
    return c.json({
      timezone: await networkTimeZone(sql, networkId),
      entries: await rotaTemplate(sql, networkId),
    })
  })
  .put('/template', async (c) => {
    const { entries } = await readOptionalJson(c, PutTemplate)
    return c.json(await putTemplate(c.var.deps.sql, c.var.ctx, entries))
  })
  .post('/template/materialise', async (c) => {
    const body = await readOptionalJson(c, Materialise)
    return c.json(await materialise(c.var.deps.sql, c.var.ctx, body.weeks, body.force))
  })

const Slot = z.object({
  id: z.uuid(),
  line: Line,
  userId: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  startsAt: IsoTime,
  endsAt: IsoTime,
  kind: z.enum(['manual', 'swap', 'template']),
  note: z.string().nullable(),
  createdAt: IsoTime,
})
const SlotAnswer = z.object({ slot: z.looseObject(Slot.shape) })
const TemplateAnswer = z.object({
  timezone: z.string(),
  entries: z.array(
    z.object({
      weekday: z.number().int(),
      startHour: z.number().int(),
      endHour: z.number().int(),
      line: Line,
      userId: z.uuid(),
    }),
  ),
})
const slotParam = uuidParams('id')
export const adminRotaContract: Operation[] = [
  op({
    method: 'GET',
    path: '/api/admin/rota',
    summary: 'Rota slots in a range (default: yesterday + the guard days)',
    roles: 'admin',
    query: RangeQuery,
    response: z.object({ from: IsoTime, to: IsoTime, slots: z.array(Slot) }),
  }),
  op({
    method: 'GET',
    path: '/api/admin/rota/gaps',
    summary: 'First-line gaps in the next days',
    roles: 'admin',
    query: GapsQuery,
    response: z.object({
      days: z.number().int(),
      line: z.literal('first'),
      gaps: z.array(z.object({ from: IsoTime, to: IsoTime })),
    }),
  }),
  op({
    method: 'POST',
    path: '/api/admin/rota/slots',
    summary: 'Add a slot',
    roles: 'admin',
    body: CreateSlot,
    status: 201,
    response: SlotAnswer,
  }),
  op({
    method: 'POST',
    path: '/api/admin/rota/swaps',
    summary: 'Record a swap (a slot of kind swap)',
    roles: 'admin',
    body: CreateSlot,
    status: 201,
    response: SlotAnswer,
  }),
  op({
    method: 'PATCH',
    path: '/api/admin/rota/slots/:id',
    summary: 'Change a slot',
    roles: 'admin',
    params: slotParam,
    body: PatchSlot,
    response: SlotAnswer,
  }),
  op({
    method: 'DELETE',
    path: '/api/admin/rota/slots/:id',
    summary: 'Delete a slot (force: even when it opens a first-line gap; also ?force=1)',
    roles: 'admin',
    params: slotParam,
    query: z.object({ force: z.enum(['true', '1', 'false', '0']).optional() }),
    body: DeleteSlot,
    bodyOptional: true,
    response: z.object({ deleted: z.uuid() }),
  }),
  op({
    method: 'GET',
    path: '/api/admin/rota/template',
    summary: 'The weekly rota template',
    roles: 'admin',
    response: TemplateAnswer,
  }),
  op({
    method: 'PUT',
    path: '/api/admin/rota/template',
    summary: 'Replace the weekly template',
    roles: 'admin',
    body: PutTemplate,
    response: TemplateAnswer,
  }),
  op({
    method: 'POST',
    path: '/api/admin/rota/template/materialise',
    summary: 'Write the template into slots for the next weeks',
    roles: 'admin',
    body: Materialise,
    response: z.looseObject({}),
  }),
]
