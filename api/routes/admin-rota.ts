/** `/api/admin/rota` (issue 8): slots, swaps, the weekly template, and the first-line gaps. */
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { inTx, networkRow, writeAudit } from '../../workflows/runtime/store/admin.ts'
import {
  activeCardiologists,
  deleteSlot,
  firstLineGaps,
  insertSlot,
  materialiseTemplate,
  rotaTemplate,
  saveRotaTemplate,
  slotById,
  slotsBetween,
  updateSlot,
  type SlotRow,
} from '../../workflows/runtime/store/rota-admin.ts'
import type { Sql } from '../../workflows/runtime/platform/connect.ts'
import type { AppEnv } from '../http/env.ts'
import { instant, readQuery } from '../http/validate.ts'
import {
  actorOf,
  DEFAULT_TZ,
  Force,
  guardRota,
  idParam,
  invalid,
  notFoundIn,
  readOptionalJson,
  ROTA_GUARD_DAYS,
  Uuid,
} from './admin-rules.ts'

const DAY = 24 * 3600_000
const MAX_SLOT_DAYS = 31
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

function checkInterval(startsAt: Date, endsAt: Date) {
  if (endsAt <= startsAt)
    throw invalid('endsAt', 'invalid', 'endsAt must be after startsAt / 结束时间须晚于开始时间')
  if (endsAt.getTime() - startsAt.getTime() > MAX_SLOT_DAYS * DAY)
    throw invalid(
      'endsAt',
      'invalid',
      `A slot lasts at most ${MAX_SLOT_DAYS} days / 单个值班时段最长 ${MAX_SLOT_DAYS} 天`,
    )
}

async function checkCardiologists(sql: Sql, networkId: string, ids: string[], field: (i: number) => string) {
  const ok = await activeCardiologists(sql, networkId, ids)
  ids.forEach((id, i) => {
    if (!ok.has(id))
      throw invalid(
        field(i),
        'not_cardiologist',
        'The on-call person must be an active cardiologist of your network / 值班人员须为本网络在职心内科医生',
      )
  })
}

async function tzOf(sql: Sql, networkId: string) {
  return (await networkRow(sql, networkId))?.settings.timezone ?? DEFAULT_TZ
}

const slotAudit = (s: SlotRow) => ({
  line: s.line,
  userId: s.userId,
  startsAt: s.startsAt,
  endsAt: s.endsAt,
  kind: s.kind,
  note: s.note,
})

async function createSlot(c: Context<AppEnv>, kind: 'manual' | 'swap') {
  const s = await readOptionalJson(c, CreateSlot)
  const actor = actorOf(c)
  const { sql } = c.var.deps
  checkInterval(s.startsAt, s.endsAt)
  await checkCardiologists(sql, actor.networkId, [s.userId], () => 'userId')
  const id = await inTx(sql, async (tx) => {
    const id = await insertSlot(tx, actor.networkId, { ...s, note: s.note ?? null, kind }, actor.actorId)
    await writeAudit(tx, {
      ...actor,
      action: kind === 'swap' ? 'rota.swap' : 'rota.create',
      entity: 'rota',
      entityId: id,
      before: null,
      after: { ...s, kind },
    })
    return id
  })
  return c.json({ slot: await slotById(sql, actor.networkId, id) }, 201)
}

export const rotaRoutes = new Hono<AppEnv>()
  .get('/', async (c) => {
    const q = readQuery(c, RangeQuery)
    const from = q.from ?? new Date(Date.now() - DAY)
    const to = q.to ?? new Date(from.getTime() + (ROTA_GUARD_DAYS + 1) * DAY)
    if (to <= from) throw invalid('to', 'invalid', 'to must be after from / 结束时间须晚于开始时间')
    if (to.getTime() - from.getTime() > 92 * DAY)
      throw invalid('to', 'invalid', 'At most 92 days at a time / 每次最多查询 92 天')
    return c.json({ from, to, slots: await slotsBetween(c.var.deps.sql, c.var.user.networkId, from, to) })
  })
  .get('/gaps', async (c) => {
    const { days } = readQuery(c, GapsQuery)
    const gaps = await firstLineGaps(c.var.deps.sql, c.var.user.networkId, days)
    return c.json({ days, line: 'first', gaps })
  })
  .post('/slots', (c) => createSlot(c, 'manual'))
  .post('/swaps', (c) => createSlot(c, 'swap'))
  .patch('/slots/:id', async (c) => {
    const id = idParam(c)
    const body = await readOptionalJson(c, PatchSlot)
    const actor = actorOf(c)
    const { sql } = c.var.deps
    const current = await slotById(sql, actor.networkId, id)
    if (!current) throw notFoundIn('rota slot')
    const next = {
      line: body.line ?? current.line,
      userId: body.userId ?? current.userId,
      startsAt: body.startsAt ?? current.startsAt,
      endsAt: body.endsAt ?? current.endsAt,
      note: body.note === undefined ? current.note : body.note,
    }
    checkInterval(next.startsAt, next.endsAt)
    if (body.userId) await checkCardiologists(sql, actor.networkId, [body.userId], () => 'userId')
    const tz = await tzOf(sql, actor.networkId)
    await inTx(sql, async (tx) => {
      await guardRota(tx, actor.networkId, { force: body.force ?? false, tz }, () =>
        updateSlot(tx, actor.networkId, id, next),
      )
      await writeAudit(tx, {
        ...actor,
        action: 'rota.update',
        entity: 'rota',
        entityId: id,
        before: slotAudit(current),
        after: { ...slotAudit(current), ...next },
      })
    })
    return c.json({ slot: await slotById(sql, actor.networkId, id) })
  })
  .delete('/slots/:id', async (c) => {
    const id = idParam(c)
    const body = await readOptionalJson(c, DeleteSlot)
    const force = body.force || c.req.query('force') === 'true' || c.req.query('force') === '1'
    const actor = actorOf(c)
    const { sql } = c.var.deps
    const current = await slotById(sql, actor.networkId, id)
    if (!current) throw notFoundIn('rota slot')
    const tz = await tzOf(sql, actor.networkId)
    await inTx(sql, async (tx) => {
      await guardRota(tx, actor.networkId, { force, tz }, () => deleteSlot(tx, actor.networkId, id))
      await writeAudit(tx, {
        ...actor,
        action: 'rota.delete',
        entity: 'rota',
        entityId: id,
        before: slotAudit(current),
        after: null,
      })
    })
    return c.json({ deleted: id })
  })
  .get('/template', async (c) => {
    const { sql } = c.var.deps
    const networkId = c.var.user.networkId
    return c.json({ timezone: await tzOf(sql, networkId), entries: await rotaTemplate(sql, networkId) })
  })
  .put('/template', async (c) => {
    const { entries } = await readOptionalJson(c, PutTemplate)
    const actor = actorOf(c)
    const { sql } = c.var.deps
    await checkCardiologists(
      sql,
      actor.networkId,
      entries.map((e) => e.userId),
      (i) => `entries.${i}.userId`,
    )
    const before = await rotaTemplate(sql, actor.networkId)
    await inTx(sql, async (tx) => {
      await saveRotaTemplate(tx, actor.networkId, entries, actor.actorId)
      await writeAudit(tx, {
        ...actor,
        action: 'rota.template',
        entity: 'rota_template',
        entityId: actor.networkId,
        before: { entries: before },
        after: { entries },
      })
    })
    return c.json({ timezone: await tzOf(sql, actor.networkId), entries })
  })
  .post('/template/materialise', async (c) => {
    const body = await readOptionalJson(c, Materialise)
    const actor = actorOf(c)
    const { sql } = c.var.deps
    const entries = await rotaTemplate(sql, actor.networkId)
    if (entries.length === 0)
      throw invalid(
        'entries',
        'invalid',
        'The weekly template is empty: PUT /api/admin/rota/template first / 请先设置每周排班模板',
      )
    await checkCardiologists(
      sql,
      actor.networkId,
      entries.map((e) => e.userId),
      (i) => `entries.${i}.userId`,
    )
    const tz = await tzOf(sql, actor.networkId)
    const result = await inTx(sql, async (tx) => {
      const { result } = await guardRota(tx, actor.networkId, { force: body.force, tz }, () =>
        materialiseTemplate(tx, actor.networkId, entries, body.weeks, tz, actor.actorId),
      )
      await writeAudit(tx, {
        ...actor,
        action: 'rota.materialise',
        entity: 'rota_template',
        entityId: actor.networkId,
        before: null,
        after: { weeks: body.weeks, ...result },
      })
      return result
    })
    return c.json(result)
  })
