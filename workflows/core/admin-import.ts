/**
 * The import plan (docs/admin-api.md): every row of the facilities, travel and users CSV files
 * checked against the network as it is now, which the caller reads and passes in. Pure: the
 * runtime command (workflows/runtime/admin/import.ts) reads, plans, and writes only a valid plan.
 * Row errors are English (the import report is a technical screen, shown as written).
 */
import { facilityProblems, type FacilityInput } from './admin-rules.ts'
import type { CsvRow } from './csv.ts'
import { LYSIS_DRUGS } from './dosing.ts'
import { render, type MessageKey } from './messages/index.ts'
import { FACILITY_LEVELS, FACILITY_SCOPED_ROLES, ROLES } from './roles.ts'

export type FileName = 'facilities' | 'travel' | 'users'
export const FILES: FileName[] = ['facilities', 'travel', 'users']
export const REQUIRED: Record<FileName, string[]> = {
  facilities: ['key', 'name', 'level'],
  travel: ['from', 'to', 'minutes'],
  users: ['username', 'display_name', 'roles'],
}

/** A type, not an interface: the report travels as plain data in a problem's params (import_invalid). */
export type RowReport = {
  file: FileName
  line: number
  ref: string
  action: 'create' | 'reject'
  errors: string[]
}

export interface Plan {
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
    if (!(FACILITY_LEVELS as readonly string[]).includes(level))
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
      for (const p of facilityProblems(f, canLyse, true).slice(0, 1))
        errors.push(
          `${p.field ?? 'row'}: ${render('en', `problem.${p.code}` as MessageKey, p.params as Record<string, string | number> | undefined)}`,
        )
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
    if (
      facilityRefs.length === 0 &&
      roles.some((r) => (FACILITY_SCOPED_ROLES as readonly string[]).includes(r))
    )
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
