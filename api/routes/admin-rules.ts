/**
 * Shared vocabulary and guards of the admin API (issue 8). Roles and levels come from the core.
 */
import type { Context } from 'hono'
import { z } from 'zod'
import type { AuditEntry, FacilityInput } from '../../workflows/runtime/store/admin.ts'
import { gapSnapshot, gapsOpenedSince, type Gap } from '../../workflows/runtime/store/rota-admin.ts'
import type { Sql } from '../../workflows/runtime/platform/connect.ts'
import type { AppEnv } from '../http/env.ts'
import { ApiError, fromZod } from '../http/errors.ts'

/** The core's lists, re-exported under the names the admin routes use (one source of truth). */
export { ROLES, FACILITY_LEVELS as LEVELS } from '../../workflows/core/index.ts'
/** Fibrinolytics used in Chinese county networks (SPEC §6). */
export const LYSIS_DRUGS = ['tenecteplase', 'rhTNK-tPA', 'alteplase', 'reteplase', 'prourokinase'] as const
/** Their dosing is not computed by the core (SPEC §6): the facility must state its regimen. */
export const REGIMEN_REQUIRED = new Set<string>(['alteplase', 'reteplase', 'prourokinase'])
/** Roles that work at named facilities and so need a facility scope. */
export const SCOPED_ROLES = new Set<string>(['village_doctor', 'township_physician'])

/** The guard window of the rota (SPEC §2, issue 8: "gaps in the next 14 days"). */
export const ROTA_GUARD_DAYS = 14
export const DEFAULT_TZ = 'Asia/Shanghai'

export const Uuid = z.uuid()
export const Minutes = z.number().int().min(1).max(1439)
export const Username = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9._-]{2,64}$/, '2–64 of a-z 0-9 . _ -')

export const idParam = (c: Context, name = 'id'): string => {
  const id = c.req.param(name) ?? ''
  // A malformed id cannot belong to the caller's network: same answer as a foreign one.
  if (!Uuid.safeParse(id).success) throw new ApiError(404, 'not_found', 'not found / 未找到')
  return id
}

export const notFoundIn = (what: string) =>
  new ApiError(404, 'not_found', `${what} not found in your network / 本网络中未找到`)

export const invalid = (field: string, code: string, message: string, details?: Record<string, unknown>) =>
  new ApiError(422, code, message, field, details)

export type Actor = Omit<AuditEntry, 'action' | 'entity' | 'entityId' | 'before' | 'after'>

export const actorOf = (c: Context<AppEnv>): Actor => ({
  networkId: c.var.user.networkId,
  actorId: c.var.user.id,
  device: c.req.header('user-agent')?.slice(0, 200) ?? null,
})

/**
 * Facility rules. "Lysis-capable" in this schema means drugs on hand (`lysisDrugs` non-empty), so:
 * a township must keep at least one drug unless the admin says explicitly `canLyse: false`; a
 * village rescue point gives no lysis; only the county has a cath lab; a regimen is named for every
 * drug whose dose the core does not compute, and only for drugs on hand.
 */
export function checkFacility(f: FacilityInput, canLyse: boolean | undefined, drugsTouched: boolean): void {
  if (f.hasCathLab && f.level !== 'county')
    throw invalid(
      'hasCathLab',
      'invalid',
      'Only the county PCI center has a cath lab: set hasCathLab false or level county / 只有县级胸痛中心有导管室',
    )
  if (f.level === 'village' && f.lysisDrugs.length > 0)
    throw invalid(
      'lysisDrugs',
      'invalid',
      'A village rescue point does not give thrombolysis: remove its lysis drugs / 村卫生所不进行溶栓，请移除溶栓药物',
    )
  if (canLyse === false && f.lysisDrugs.length > 0)
    throw invalid(
      'canLyse',
      'invalid',
      'canLyse is false but drugs are listed: empty lysisDrugs or set canLyse true / canLyse 为 false 但列出了溶栓药物',
    )
  if (f.level === 'township' && f.lysisDrugs.length === 0 && canLyse !== false)
    throw invalid(
      'lysisDrugs',
      'lysis_without_drug',
      'A lysis-capable township needs at least one fibrinolytic on hand: list it in lysisDrugs, or send canLyse: false to record that it cannot lyse now / 具备溶栓能力的乡镇卫生院至少需备一种溶栓药物：请填写 lysisDrugs，或提交 canLyse: false 表示暂不能溶栓',
    )
  for (const drug of Object.keys(f.lysisRegimens))
    if (!f.lysisDrugs.includes(drug))
      throw invalid(
        `lysisRegimens.${drug}`,
        'invalid',
        `A regimen is given for ${drug}, which is not on hand: add it to lysisDrugs or remove the regimen / ${drug} 未备药，请添加到 lysisDrugs 或删除该方案`,
      )
  if (drugsTouched)
    for (const drug of f.lysisDrugs)
      if (REGIMEN_REQUIRED.has(drug) && !f.lysisRegimens[drug])
        throw invalid(
          `lysisRegimens.${drug}`,
          'regimen_required',
          `Give the ${drug} regimen used at this facility in lysisRegimens.${drug} / 请在 lysisRegimens.${drug} 填写本机构的 ${drug} 给药方案`,
        )
}

export const missingTravelError = (field: string) =>
  invalid(
    field,
    'missing_travel_to_county',
    'A facility needs its ambulance travel time to the county PCI center: give travelToCounty {minutes} (or PUT /api/admin/travel first) / 请填写到县级胸痛中心的救护车转运时间 travelToCounty.minutes',
  )

const fmt = (d: Date, tz: string) =>
  new Intl.DateTimeFormat('sv-SE', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).format(d)

export function rotaGapError(gaps: Gap[], tz: string): ApiError {
  const first = gaps[0]!
  const span = `${fmt(first.from, tz)} – ${fmt(first.to, tz)} (${tz})`
  return new ApiError(
    422,
    'rota_gap',
    `This change leaves ${gaps.length} period(s) in the next ${ROTA_GUARD_DAYS} days with no first-line cardiologist on call, first ${span}. Add a slot or a swap that covers it first, or resend with "force": true / 此更改将使未来${ROTA_GUARD_DAYS}天内 ${gaps.length} 个时段无一线值班心内科医生（首个：${span}）。请先安排值班或换班覆盖，或加 "force": true 强制提交`,
    'force',
    { gaps: gaps.map((g) => ({ from: g.from.toISOString(), to: g.to.toISOString() })) },
  )
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
  if (gapsOpened.length > 0 && !opts.force) throw rotaGapError(gapsOpened, opts.tz)
  return { result, gapsOpened }
}

export const Force = z.boolean().optional().default(false)

/** Like readJson, but an empty body counts as `{}` (action endpoints such as deactivate). */
export async function readOptionalJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const text = await c.req.text()
  let body: unknown = {}
  if (text.trim()) {
    try {
      body = JSON.parse(text)
    } catch {
      throw new ApiError(400, 'bad_json', 'Request body must be JSON / 请求体须为 JSON')
    }
  }
  const r = schema.safeParse(body)
  if (!r.success) throw fromZod(r.error)
  return r.data
}
