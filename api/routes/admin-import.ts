/**
 * `POST /api/admin/import?dryRun=1|0` (issue 8): load facilities, travel times and users from
 * spreadsheet CSV exports (UTF-8, BOM tolerated) — format in docs/admin-api.md. Every row is
 * checked; nothing is written unless every row is valid, and then all of it in one transaction.
 */
import { Hono, type Context } from 'hono'
import {
  adminFacilities,
  countyFacilityId,
  inTx,
  insertFacility,
  writeAudit,
} from '../../workflows/runtime/store/admin.ts'
import type { FacilityInput } from '../../workflows/runtime/store/admin.ts'
import type { Sql } from '../../workflows/runtime/platform/connect.ts'
import { CsvError, parseCsv, type CsvRow } from '../http/csv.ts'
import type { AppEnv } from '../http/env.ts'
import { ApiError, SQLSTATE } from '../http/errors.ts'
import {
  actorOf,
  checkFacility,
  LEVELS,
  LYSIS_DRUGS,
  ROLES,
  SCOPED_ROLES,
  type Actor,
} from './admin-rules.ts'
import { setTravel } from './admin-facilities.ts'
import { createUserWithCode } from './admin-users.ts'

type FileName = 'facilities' | 'travel' | 'users'
const FILES: FileName[] = ['facilities', 'travel', 'users']
const REQUIRED: Record<FileName, string[]> = {
  facilities: ['key', 'name', 'level'],
  travel: ['from', 'to', 'minutes'],
  users: ['username', 'display_name', 'roles'],
}

export interface RowReport {
  file: FileName
  line: number
  ref: string
  action: 'create' | 'reject'
  errors: string[]
}

interface Plan {
  rows: RowReport[]
  facilities: { key: string; f: FacilityInput }[]
  travel: { from: string; to: string; minutes: number; minutesBack?: number; oneWay: boolean }[]
  users: { username: string; displayName: string; roles: string[]; facilityRefs: string[] }[]
}

const list = (s: string | undefined) =>
  (s ?? '')
    .split(/[;；|]/)
    .map((x) => x.trim())
    .filter(Boolean)
const YES = new Set(['1', 'yes', 'y', 'true', '是', '有'])
const NO = new Set(['', '0', 'no', 'n', 'false', '否', '无'])
const LEVEL_ALIASES: Record<string, string> = { 村: 'village', 乡: 'township', 镇: 'township', 县: 'county' }
const minutesOf = (s: string) => (/^\d+$/.test(s) && +s > 0 && +s < 1440 ? +s : undefined)

function bool(v: string | undefined, name: string, errors: string[]): boolean | undefined {
  const s = (v ?? '').toLowerCase()
  if (YES.has(s)) return true
  if (NO.has(s)) return v === undefined || v === '' ? undefined : false
  errors.push(`${name}: "${v}" is not yes/no (是/否)`)
  return undefined
}

/** Check every row against the network as it is now; pure apart from the reads passed in. */
export function planImport(
  csv: Partial<Record<FileName, CsvRow[]>>,
  existing: {
    facilities: Map<string, { id: string; level: string }>
    countyId: string | undefined
    usernames: Set<string>
  },
): Plan {
  const plan: Plan = { rows: [], facilities: [], travel: [], users: [] }
  const keys = new Map<string, string>() // new facility key → level
  let newCounty: string | undefined
  const facilityRows = new Map<string, RowReport>()
  for (const { line, values: v } of csv.facilities ?? []) {
    const errors: string[] = []
    const key = v.key ?? ''
    const level = LEVEL_ALIASES[v.level ?? ''] ?? (v.level ?? '').toLowerCase()
    if (!key) errors.push('key: required (a short name the travel and users files refer to)')
    else if (keys.has(key) || existing.facilities.has(key))
      errors.push(`key: "${key}" is used twice or names an existing facility`)
    if (!v.name) errors.push('name: required')
    else if (existing.facilities.has(v.name)) errors.push(`name: "${v.name}" already exists in this network`)
    if (!(LEVELS as readonly string[]).includes(level))
      errors.push(`level: "${v.level}" is not village/township/county (村/乡/县)`)
    const drugs = list(v.lysis_drugs)
    drugs.forEach((d) => {
      if (!(LYSIS_DRUGS as readonly string[]).includes(d))
        errors.push(`lysis_drugs: "${d}" is not one of ${LYSIS_DRUGS.join(', ')}`)
    })
    const regimens: Record<string, string> = {}
    for (const [h, text] of Object.entries(v))
      if (h.startsWith('regimen_') && text) regimens[h.slice(8)] = text
    const hasCathLab = bool(v.has_cath_lab, 'has_cath_lab', errors) ?? level === 'county'
    const canLyse = bool(v.can_lyse, 'can_lyse', errors)
    const f: FacilityInput = {
      name: v.name ?? '',
      nameEn: v.name_en || null,
      level: level as FacilityInput['level'],
      address: v.address || null,
      hasCathLab,
      lysisDrugs: drugs,
      lysisRegimens: regimens,
    }
    if (errors.length === 0)
      try {
        checkFacility(f, canLyse, true)
      } catch (e) {
        if (e instanceof ApiError) errors.push(`${e.field ?? 'row'}: ${e.message}`)
        else throw e
      }
    if (level === 'county' && errors.length === 0) {
      if (existing.countyId || newCounty) errors.push('level: the network already has a county PCI center')
      else newCounty = key
    }
    if (key) keys.set(key, level)
    const report: RowReport = {
      file: 'facilities',
      line,
      ref: key,
      action: errors.length ? 'reject' : 'create',
      errors,
    }
    plan.rows.push(report)
    facilityRows.set(key, report)
    plan.facilities.push({ key, f })
  }

  const resolve = (ref: string) => keys.has(ref) || existing.facilities.has(ref)
  const isCounty = (ref: string) =>
    (newCounty !== undefined && ref === newCounty) ||
    (existing.countyId !== undefined && existing.facilities.get(ref)?.id === existing.countyId)
  const reachesCounty = new Set<string>()
  const pairs = new Set<string>()
  for (const { line, values: v } of csv.travel ?? []) {
    const errors: string[] = []
    const from = v.from ?? ''
    const to = v.to ?? ''
    for (const [name, ref] of [
      ['from', from],
      ['to', to],
    ] as const)
      if (!resolve(ref))
        errors.push(`${name}: "${ref}" is neither a key in facilities.csv nor a facility of this network`)
    if (from && from === to) errors.push('to: must differ from from')
    const minutes = minutesOf(v.minutes ?? '')
    if (minutes === undefined) errors.push(`minutes: "${v.minutes}" is not a whole number of minutes 1–1439`)
    const backText = v.minutes_back ?? ''
    const minutesBack = backText ? minutesOf(backText) : minutes
    if (backText && minutesBack === undefined)
      errors.push(`minutes_back: "${backText}" is not a whole number of minutes 1–1439`)
    const oneWay = bool(v.one_way, 'one_way', errors) ?? false
    const pair = `${from}>${to}`
    if (pairs.has(pair) || (!oneWay && pairs.has(`${to}>${from}`))) errors.push('this pair is listed twice')
    pairs.add(pair)
    if (!oneWay) pairs.add(`${to}>${from}`)
    if (errors.length === 0) {
      if (isCounty(to)) reachesCounty.add(from)
      if (!oneWay && isCounty(from)) reachesCounty.add(to)
      plan.travel.push({ from, to, minutes: minutes!, oneWay, ...(minutesBack ? { minutesBack } : {}) })
    }
    plan.rows.push({
      file: 'travel',
      line,
      ref: `${from} → ${to}`,
      action: errors.length ? 'reject' : 'create',
      errors,
    })
  }
  // The travel-time guard: every new non-county facility must come with its time to the county.
  for (const { key } of plan.facilities) {
    const report = facilityRows.get(key)
    if (!report || report.action === 'reject' || keys.get(key) === 'county') continue
    if (!existing.countyId && !newCounty)
      report.errors.push('level: no county PCI center in the network or in this file: add one first')
    else if (!reachesCounty.has(key))
      report.errors.push(
        `travel: no travel time from "${key}" to the county PCI center: add a row to travel.csv`,
      )
    if (report.errors.length) report.action = 'reject'
  }

  const usernames = new Set<string>()
  for (const { line, values: v } of csv.users ?? []) {
    const errors: string[] = []
    const username = (v.username ?? '').toLowerCase()
    if (!/^[a-z0-9._-]{2,64}$/.test(username))
      errors.push(`username: "${v.username}" must be 2–64 of a-z 0-9 . _ -`)
    else if (usernames.has(username) || existing.usernames.has(username))
      errors.push(`username: "${username}" is taken`)
    usernames.add(username)
    if (!v.display_name) errors.push('display_name: required')
    const roles = list(v.roles)
    if (roles.length === 0) errors.push('roles: at least one')
    roles.forEach((r) => {
      if (!(ROLES as readonly string[]).includes(r))
        errors.push(`roles: "${r}" is not one of ${ROLES.join(', ')}`)
    })
    const facilityRefs = list(v.facilities)
    facilityRefs.forEach((ref) => {
      if (!resolve(ref))
        errors.push(`facilities: "${ref}" is neither a key in facilities.csv nor a facility of this network`)
      else if (facilityRows.get(ref)?.action === 'reject')
        errors.push(`facilities: "${ref}" is rejected above`)
    })
    if (facilityRefs.length === 0 && roles.some((r) => SCOPED_ROLES.has(r)))
      errors.push('facilities: village doctors and township physicians need their facility')
    plan.users.push({ username, displayName: v.display_name ?? '', roles, facilityRefs })
    plan.rows.push({
      file: 'users',
      line,
      ref: username,
      action: errors.length ? 'reject' : 'create',
      errors,
    })
  }
  return plan
}

async function readFiles(c: Context<AppEnv>): Promise<Partial<Record<FileName, string>>> {
  const type = c.req.header('content-type') ?? ''
  const out: Partial<Record<FileName, string>> = {}
  if (type.startsWith('multipart/form-data') || type.startsWith('application/x-www-form-urlencoded')) {
    const form = await c.req.formData()
    for (const name of FILES) {
      const v = form.get(name)
      if (v !== null) out[name] = typeof v === 'string' ? v : await v.text()
    }
  } else {
    let body: unknown
    try {
      body = await c.req.json()
    } catch {
      throw new ApiError(
        400,
        'bad_json',
        'Send multipart/form-data or JSON {facilities, travel, users} / 请求格式错误',
      )
    }
    for (const name of FILES) {
      const v = (body as Record<string, unknown> | null)?.[name]
      if (v === undefined || v === null) continue
      if (typeof v !== 'string') throw new ApiError(422, 'invalid', `${name}: must be CSV text`, name)
      out[name] = v
    }
  }
  if (Object.keys(out).length === 0)
    throw new ApiError(
      422,
      'invalid',
      'Give at least one of facilities, travel, users (CSV) / 请至少提供一个 CSV 文件',
      'facilities',
    )
  return out
}

function parseAll(files: Partial<Record<FileName, string>>): Partial<Record<FileName, CsvRow[]>> {
  const out: Partial<Record<FileName, CsvRow[]>> = {}
  for (const name of FILES) {
    const text = files[name]
    if (text === undefined) continue
    try {
      const { headers, rows } = parseCsv(text)
      const missing = REQUIRED[name].filter((h) => !headers.includes(h))
      if (missing.length)
        throw new ApiError(
          422,
          'invalid',
          `${name}.csv: missing column(s) ${missing.join(', ')} / 缺少列`,
          name,
        )
      out[name] = rows
    } catch (e) {
      if (e instanceof CsvError)
        throw new ApiError(422, 'invalid', `${name}.csv line ${e.line}: ${e.message}`, name)
      throw e
    }
  }
  return out
}

async function applyPlan(tx: Sql, actor: Actor, plan: Plan, existing: Map<string, { id: string }>) {
  const ids = new Map<string, string>()
  const idOf = (ref: string) => ids.get(ref) ?? existing.get(ref)!.id
  const created = { facilities: [] as { key: string; id: string }[], travelPairs: 0, users: [] as unknown[] }
  // The county first, so the others' travel rows can name it.
  const ordered = [...plan.facilities].sort(
    (a, b) => Number(b.f.level === 'county') - Number(a.f.level === 'county'),
  )
  for (const { key, f } of ordered) {
    const id = await insertFacility(tx, actor.networkId, f)
    ids.set(key, id)
    await writeAudit(tx, {
      ...actor,
      action: 'facility.create',
      entity: 'facility',
      entityId: id,
      before: null,
      after: f,
    })
    created.facilities.push({ key, id })
  }
  for (const t of plan.travel) {
    await setTravel(tx, actor, { ...t, from: idOf(t.from), to: idOf(t.to) })
    created.travelPairs++
  }
  for (const u of plan.users) {
    const made = await createUserWithCode(tx, actor, { ...u, facilityIds: u.facilityRefs.map(idOf) })
    created.users.push({
      username: u.username,
      id: made.id,
      oneTimeCode: made.oneTimeCode,
      codeExpiresAt: made.codeExpiresAt,
    })
  }
  return created
}

export const importRoutes = new Hono<AppEnv>().post('/', async (c) => {
  const dryRunParam = c.req.query('dryRun') ?? '1'
  if (!['0', '1', 'true', 'false'].includes(dryRunParam))
    throw new ApiError(422, 'invalid', 'dryRun: 1 (check only) or 0 (write)', 'dryRun')
  const dryRun = dryRunParam === '1' || dryRunParam === 'true'
  const csv = parseAll(await readFiles(c))
  const actor = actorOf(c)
  const { sql } = c.var.deps
  const run = async (tx: Sql) => {
    const [facilities, countyId, users] = await Promise.all([
      adminFacilities(tx, actor.networkId),
      countyFacilityId(tx, actor.networkId),
      tx<{ username: string }[]>`select username from users`,
    ])
    const existing = new Map<string, { id: string; level: string }>()
    for (const f of facilities) existing.set(f.name, { id: f.id, level: f.level })
    const plan = planImport(csv, {
      facilities: existing,
      countyId,
      usernames: new Set(users.map((u) => u.username)),
    })
    const valid = plan.rows.every((r) => r.action === 'create')
    const summary = Object.fromEntries(
      FILES.map((f) => {
        const rows = plan.rows.filter((r) => r.file === f)
        return [
          f,
          {
            create: rows.filter((r) => r.action === 'create').length,
            reject: rows.filter((r) => r.action === 'reject').length,
          },
        ]
      }),
    )
    const report = { dryRun, valid, summary, rows: plan.rows }
    if (dryRun) return { status: 200 as const, body: report }
    if (!valid)
      throw new ApiError(
        422,
        'import_invalid',
        'Nothing was imported: fix the rejected rows / 未导入任何数据：请修正被拒绝的行',
        undefined,
        { report },
      )
    const created = await applyPlan(tx, actor, plan, existing)
    await writeAudit(tx, {
      ...actor,
      action: 'network.import',
      entity: 'network',
      entityId: actor.networkId,
      before: null,
      after: { summary },
    })
    return { status: 201 as const, body: { ...report, created } }
  }
  try {
    const out = await inTx(sql, async (tx) => {
      // One import at a time per network, so the checks still hold when the rows are written.
      await tx`select pg_advisory_xact_lock(hashtext(${'facilities:' + actor.networkId}))`
      return run(tx)
    })
    return c.json(out.body, out.status)
  } catch (e) {
    if ((e as { code?: string }).code === SQLSTATE.uniqueViolation)
      throw new ApiError(
        409,
        'conflict',
        'A username was taken meanwhile: run the dry-run again / 用户名冲突，请重新预检',
      )
    throw e
  }
})
