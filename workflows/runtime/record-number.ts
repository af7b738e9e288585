/**
 * The hospital's record number (病案号/门诊号) of a case, editable after the start so that QA can
 * match the paper chart. It is patient identity, not a clinical time point: it is an audited
 * update of the case row (old and new value in audit_log, action `case.record_number`), not a
 * case event — it must not enter the clinical timeline, the clocks or the event-type list, and
 * its history is the audit trail QA already reads (docs/qa.md, access trail).
 */
import { CLINICAL_ROLES, hasAnyRole } from '../core/roles.ts'
import { problem } from '../core/problem.ts'
import type { AuditCtx } from './context.ts'
import type { Q, Sql } from './platform/connect.ts'
import { inTx } from './store/admin.ts'
import { audit } from './store/audit.ts'
import type { UserRow } from './store/users.ts'

export interface RecordNumberCase {
  id: string
  networkId: string
  facilityId: string
  facilityIds: readonly string[]
}

/**
 * Who may change it: clinicians of a facility the case belongs to (started, arrived or was sent
 * there) and QA of the network. Admins and clinicians of other facilities may not.
 */
export function mayEditRecordNumber(
  u: Pick<UserRow, 'networkId' | 'roles' | 'facilityIds'>,
  c: RecordNumberCase,
): boolean {
  if (u.networkId !== c.networkId) return false
  if (hasAnyRole(u.roles, ['qa'])) return true
  if (!hasAnyRole(u.roles, CLINICAL_ROLES)) return false
  const mine = new Set(u.facilityIds)
  return mine.has(c.facilityId) || c.facilityIds.some((f) => mine.has(f))
}

export interface RecordNumberChange {
  at: string
  byName: string | null
  old: string | null
  new: string | null
}

/** Every change, oldest first, from the audit trail. */
export async function recordNumberHistory(q: Q, caseId: string): Promise<RecordNumberChange[]> {
  const rows = await q<{ at: Date; byName: string | null; before: unknown; after: unknown }[]>`
    select a.at, u.display_name as "byName", a.before, a.after
      from audit_log a left join users u on u.id = a.actor_id
     where a.entity = 'case' and a.entity_id = ${caseId} and a.action = 'case.record_number'
     order by a.at, a.id`
  const value = (j: unknown): string | null => {
    const v = (j as { recordNumber?: unknown } | null)?.recordNumber
    return typeof v === 'string' ? v : null
  }
  return rows.map((r) => ({
    at: r.at.toISOString(),
    byName: r.byName,
    old: value(r.before),
    new: value(r.after),
  }))
}

/**
 * Set (or clear, with null) the record number; the row is locked so two edits cannot both claim
 * the same "old" value. No change → no audit row.
 */
export async function setRecordNumber(
  sql: Sql,
  ctx: AuditCtx,
  caseId: string,
  next: string | null,
): Promise<{ recordNumber: string | null; changed: boolean }> {
  return inTx(sql, async (tx) => {
    const [row] = await tx<{ recordNumber: string | null }[]>`
      select patient->>'recordNumber' as "recordNumber" from cases where id = ${caseId} for update`
    if (!row) throw problem('not_found')
    const old = row.recordNumber ?? null
    if (old === next) return { recordNumber: old, changed: false }
    if (next === null)
      await tx`update cases set patient = patient - 'recordNumber', updated_at = now() where id = ${caseId}`
    else
      await tx`update cases set patient = jsonb_set(patient, '{recordNumber}', to_jsonb(${next}::text)),
                                updated_at = now() where id = ${caseId}`
    await audit(tx, ctx, {
      action: 'case.record_number',
      entity: 'case',
      entityId: caseId,
      before: { recordNumber: old },
      after: { recordNumber: next },
    })
    return { recordNumber: next, changed: true }
  })
}
