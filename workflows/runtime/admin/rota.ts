/**
 * The on-call rota (docs/admin-api.md): slots, swaps, the weekly template. Every change that would
 * open a first-line gap in the next ROTA_GUARD_DAYS days is refused unless forced.
 */
import { DEFAULT_TZ, ROTA_GUARD_DAYS } from '../../core/admin-rules.ts'
import { problem, type ProblemError } from '../../core/problem.ts'
import type { AuditCtx } from '../context.ts'
import type { Sql } from '../platform/connect.ts'
import { inTx, networkRow } from '../store/admin.ts'
import { audit } from '../store/audit.ts'
import {
  activeCardiologists,
  deleteSlot as storeDelete,
  gapSnapshot,
  gapsOpenedSince,
  insertSlot,
  materialiseTemplate,
  rotaTemplate,
  saveRotaTemplate,
  slotById,
  updateSlot as storeUpdate,
  type Gap,
  type Line,
  type SlotRow,
  type TemplateEntry,
} from '../store/rota-admin.ts'

const MAX_SLOT_DAYS = 31
const DAY_MS = 86_400_000

export interface SlotInput {
  line: Line
  userId: string
  startsAt: Date
  endsAt: Date
  note?: string | null | undefined
}

const fmt = (d: Date, tz: string) =>
  new Intl.DateTimeFormat('sv-SE', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).format(d)

/** The refusal of a change that opens gaps: the first one in words, all of them as data. */
export function rotaGapProblem(gaps: Gap[], tz: string): ProblemError {
  const first = gaps[0]!
  const span = `${fmt(first.from, tz)} – ${fmt(first.to, tz)} (${tz})`
  return problem('rota_gap', 'force', {
    n: gaps.length,
    days: ROTA_GUARD_DAYS,
    span,
    gaps: gaps.map((g) => ({ from: g.from.toISOString(), to: g.to.toISOString() })),
  })
}

/**
 * Run `change` in the transaction and refuse it (rolling everything back) when it opens a first-line
 * gap in the next 14 days that was not there before, unless forced. Existing gaps do not block
 * unrelated edits: they are listed by GET /rota/gaps.
 */
export async function guardRota<T>(
  tx: Sql,
  networkId: string,
  opts: { force: boolean; tz: string },
  change: () => Promise<T>,
): Promise<{ result: T; gapsOpened: Gap[] }> {
  const before = await gapSnapshot(tx, networkId, ROTA_GUARD_DAYS)
  const result = await change()
  const gapsOpened = await gapsOpenedSince(tx, networkId, ROTA_GUARD_DAYS, before)
  if (gapsOpened.length > 0 && !opts.force) throw rotaGapProblem(gapsOpened, opts.tz)
  return { result, gapsOpened }
}

export async function networkTimeZone(sql: Sql, networkId: string): Promise<string> {
  return (await networkRow(sql, networkId))?.settings.timezone ?? DEFAULT_TZ
}

function checkInterval(startsAt: Date, endsAt: Date) {
  if (endsAt <= startsAt) throw problem('ends_before_start', 'endsAt')
  if (endsAt.getTime() - startsAt.getTime() > MAX_SLOT_DAYS * DAY_MS)
    throw problem('slot_too_long', 'endsAt', { days: MAX_SLOT_DAYS })
}

export async function checkCardiologists(
  sql: Sql,
  networkId: string,
  ids: string[],
  field: (i: number) => string,
): Promise<void> {
  const ok = await activeCardiologists(sql, networkId, ids)
  ids.forEach((id, i) => {
    if (!ok.has(id)) throw problem('not_cardiologist', field(i))
  })
}

const slotAudit = (s: SlotRow) => ({
  line: s.line,
  userId: s.userId,
  startsAt: s.startsAt,
  endsAt: s.endsAt,
  kind: s.kind,
  note: s.note,
})

async function oneSlot(sql: Sql, networkId: string, id: string): Promise<SlotRow> {
  const s = await slotById(sql, networkId, id)
  if (!s) throw problem('not_found')
  return s
}

/** A manual slot or a swap (someone covers for someone else). Adding cover never opens a gap. */
export async function createSlot(sql: Sql, ctx: AuditCtx, s: SlotInput, kind: 'manual' | 'swap') {
  checkInterval(s.startsAt, s.endsAt)
  await checkCardiologists(sql, ctx.networkId, [s.userId], () => 'userId')
  const id = await inTx(sql, async (tx) => {
    const id = await insertSlot(tx, ctx.networkId, { ...s, note: s.note ?? null, kind }, ctx.userId)
    await audit(tx, ctx, {
      action: kind === 'swap' ? 'rota.swap' : 'rota.create',
      entity: 'rota',
      entityId: id,
      before: null,
      after: { ...s, kind },
    })
    return id
  })
  return slotById(sql, ctx.networkId, id)
}

export async function updateSlot(
  sql: Sql,
  ctx: AuditCtx,
  id: string,
  body: Partial<SlotInput> & { force?: boolean | undefined },
) {
  const current = await oneSlot(sql, ctx.networkId, id)
  const next = {
    line: body.line ?? current.line,
    userId: body.userId ?? current.userId,
    startsAt: body.startsAt ?? current.startsAt,
    endsAt: body.endsAt ?? current.endsAt,
    note: body.note === undefined ? current.note : body.note,
  }
  checkInterval(next.startsAt, next.endsAt)
  if (body.userId) await checkCardiologists(sql, ctx.networkId, [body.userId], () => 'userId')
  const tz = await networkTimeZone(sql, ctx.networkId)
  await inTx(sql, async (tx) => {
    await guardRota(tx, ctx.networkId, { force: body.force ?? false, tz }, () =>
      storeUpdate(tx, ctx.networkId, id, next),
    )
    await audit(tx, ctx, {
      action: 'rota.update',
      entity: 'rota',
      entityId: id,
      before: slotAudit(current),
      after: { ...slotAudit(current), ...next },
    })
  })
  return slotById(sql, ctx.networkId, id)
}

export async function deleteSlot(sql: Sql, ctx: AuditCtx, id: string, force: boolean): Promise<void> {
  const current = await oneSlot(sql, ctx.networkId, id)
  const tz = await networkTimeZone(sql, ctx.networkId)
  await inTx(sql, async (tx) => {
    await guardRota(tx, ctx.networkId, { force, tz }, () => storeDelete(tx, ctx.networkId, id))
    await audit(tx, ctx, {
      action: 'rota.delete',
      entity: 'rota',
      entityId: id,
      before: slotAudit(current),
      after: null,
    })
  })
}

export async function putTemplate(sql: Sql, ctx: AuditCtx, entries: TemplateEntry[]) {
  await checkCardiologists(
    sql,
    ctx.networkId,
    entries.map((e) => e.userId),
    (i) => `entries.${i}.userId`,
  )
  const before = await rotaTemplate(sql, ctx.networkId)
  await inTx(sql, async (tx) => {
    await saveRotaTemplate(tx, ctx.networkId, entries, ctx.userId)
    await audit(tx, ctx, {
      action: 'rota.template',
      entity: 'rota_template',
      entityId: ctx.networkId,
      before: { entries: before },
      after: { entries },
    })
  })
  return { timezone: await networkTimeZone(sql, ctx.networkId), entries }
}

/** Turn the weekly template into slots for the next `weeks` weeks, guarded like any change. */
export async function materialise(sql: Sql, ctx: AuditCtx, weeks: number, force: boolean) {
  const entries = await rotaTemplate(sql, ctx.networkId)
  if (entries.length === 0) throw problem('template_empty', 'entries')
  await checkCardiologists(
    sql,
    ctx.networkId,
    entries.map((e) => e.userId),
    (i) => `entries.${i}.userId`,
  )
  const tz = await networkTimeZone(sql, ctx.networkId)
  return inTx(sql, async (tx) => {
    const { result } = await guardRota(tx, ctx.networkId, { force, tz }, () =>
      materialiseTemplate(tx, ctx.networkId, entries, weeks, tz, ctx.userId),
    )
    await audit(tx, ctx, {
      action: 'rota.materialise',
      entity: 'rota_template',
      entityId: ctx.networkId,
      before: null,
      after: { weeks, ...result },
    })
    return result
  })
}
