/**
 * `POST /api/admin/import` as a command (docs/admin-api.md): plan every row with the pure
 * planImport against the network as it is now, and write nothing unless every row is valid,
 * then all of it in one transaction under the facilities lock.
 */
import { FILES, planImport, REQUIRED, type FileName, type Plan } from '../../core/admin-import.ts'
import { CsvError, parseCsv, type CsvRow } from '../../core/csv.ts'
import { problem } from '../../core/problem.ts'
import type { AuditCtx } from '../context.ts'
import type { Sql } from '../platform/connect.ts'
import {
  adminFacilities,
  allUsernames,
  countyFacilityId,
  inTx,
  insertFacility,
  lockFacilities,
} from '../store/admin.ts'
import { audit } from '../store/audit.ts'
import { writeTravel } from './travel.ts'
import { insertUserWithCode, isUniqueViolation } from './users.ts'

/** Parse each given CSV file and check its required columns. */
export function parseImportFiles(
  files: Partial<Record<FileName, string>>,
): Partial<Record<FileName, CsvRow[]>> {
  const out: Partial<Record<FileName, CsvRow[]>> = {}
  for (const name of FILES) {
    const text = files[name]
    if (text === undefined) continue
    let parsed: ReturnType<typeof parseCsv>
    try {
      parsed = parseCsv(text)
    } catch (e) {
      if (e instanceof CsvError)
        throw problem('csv_malformed', name, { file: name, line: e.line, detail: e.message })
      throw e
    }
    const missing = REQUIRED[name].filter((h) => !parsed.headers.includes(h))
    if (missing.length)
      throw problem('csv_missing_columns', name, { file: name, columns: missing.join(', ') })
    out[name] = parsed.rows
  }
  return out
}

async function applyPlan(tx: Sql, ctx: AuditCtx, plan: Plan, existing: Map<string, { id: string }>) {
  const ids = new Map<string, string>()
  const idOf = (ref: string) => ids.get(ref) ?? existing.get(ref)!.id
  const created = { facilities: [] as { key: string; id: string }[], travelPairs: 0, users: [] as unknown[] }
  // The county first, so the others' travel rows can name it.
  const ordered = [...plan.facilities].sort(
    (a, b) => Number(b.f.level === 'county') - Number(a.f.level === 'county'),
  )
  for (const { key, f } of ordered) {
    const id = await insertFacility(tx, ctx.networkId, f)
    ids.set(key, id)
    await audit(tx, ctx, {
      action: 'facility.create',
      entity: 'facility',
      entityId: id,
      before: null,
      after: f,
    })
    created.facilities.push({ key, id })
  }
  for (const t of plan.travel) {
    await writeTravel(tx, ctx, { ...t, from: idOf(t.from), to: idOf(t.to) })
    created.travelPairs++
  }
  for (const u of plan.users) {
    const made = await insertUserWithCode(tx, ctx, { ...u, facilityIds: u.facilityRefs.map(idOf) })
    created.users.push({
      username: u.username,
      id: made.id,
      oneTimeCode: made.oneTimeCode,
      codeExpiresAt: made.codeExpiresAt,
    })
  }
  return created
}

/** Check (dry run: 200 with the report) or write (201 with what was created); invalid → 422 with the report. */
export async function runImport(
  sql: Sql,
  ctx: AuditCtx,
  csv: Partial<Record<FileName, CsvRow[]>>,
  dryRun: boolean,
) {
  const run = async (tx: Sql) => {
    const [facilities, countyId, usernames] = await Promise.all([
      adminFacilities(tx, ctx.networkId),
      countyFacilityId(tx, ctx.networkId),
      allUsernames(tx),
    ])
    const existing = new Map<string, { id: string; level: string }>()
    for (const f of facilities) existing.set(f.name, { id: f.id, level: f.level })
    const plan = planImport(csv, { facilities: existing, countyId, usernames })
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
    if (!valid) throw problem('import_invalid', undefined, { report })
    const created = await applyPlan(tx, ctx, plan, existing)
    await audit(tx, ctx, {
      action: 'network.import',
      entity: 'network',
      entityId: ctx.networkId,
      before: null,
      after: { summary },
    })
    return { status: 201 as const, body: { ...report, created } }
  }
  try {
    return await inTx(sql, async (tx) => {
      // One import at a time per network, so the checks still hold when the rows are written.
      await lockFacilities(tx, ctx.networkId)
      return run(tx)
    })
  } catch (e) {
    if (isUniqueViolation(e)) throw problem('import_conflict')
    throw e
  }
}
