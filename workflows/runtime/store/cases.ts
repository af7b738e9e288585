import type { Q } from '../platform/connect.ts'
import type { CaseEvent, EventType, Patient } from '../../core/index.ts'
import { caseInfoOf, type CaseRow } from '../../views/case-row.ts'

export { caseInfoOf, type CaseRow }

const caseColumns = (q: Q) => q`
  id, network_id as "networkId", facility_id as "facilityId", patient, created_by as "createdBy",
  created_at as "createdAt", status, phase, updated_at as "updatedAt", facility_ids::text[] as "facilityIds"`

/** Lock the case row for the rest of the transaction: one event at a time per case. */
export async function lockCase(q: Q, caseId: string): Promise<CaseRow | undefined> {
  const [row] = await q<CaseRow[]>`select ${caseColumns(q)} from cases where id = ${caseId} for update`
  return row
}

/** Lock several case rows at once, in id order (a fixed order: two batches cannot deadlock). */
export async function lockCases(q: Q, caseIds: readonly string[]): Promise<CaseRow[]> {
  return q<CaseRow[]>`
    select ${caseColumns(q)} from cases where id = any(${caseIds as string[]}::uuid[]) order by id for update`
}

export async function getCase(q: Q, caseId: string): Promise<CaseRow | undefined> {
  const [row] = await q<CaseRow[]>`select ${caseColumns(q)} from cases where id = ${caseId}`
  return row
}

export async function insertCase(
  q: Q,
  c: {
    id: string
    networkId: string
    facilityId: string
    patient: Patient & { name?: string; recordNumber?: string }
    createdBy: string
    at: Date
  },
): Promise<void> {
  await q`insert into cases (id, network_id, facility_id, patient, created_by, created_at, updated_at, facility_ids)
          values (${c.id}, ${c.networkId}, ${c.facilityId}, ${q.json(c.patient as never)}, ${c.createdBy}, ${c.at}, ${c.at},
                  ${[c.facilityId]})`
}

interface EventRow {
  id: string
  caseId: string
  type: EventType
  at: Date
  recordedAt: Date
  by: string | null
  data: Record<string, unknown>
  bodyHash: string | null
}

const toEvent = (r: EventRow): CaseEvent => ({
  id: r.id,
  caseId: r.caseId,
  type: r.type,
  at: r.at.getTime(),
  recordedAt: r.recordedAt.getTime(),
  by: r.by,
  data: r.data,
})

/** The whole timeline in storage order. */
export async function loadEvents(q: Q, caseId: string): Promise<CaseEvent[]> {
  const rows = await q<EventRow[]>`
    select id, case_id as "caseId", type, at, recorded_at as "recordedAt", by, data
      from case_events where case_id = ${caseId} order by seq`
  return rows.map(toEvent)
}

/**
 * The events of a case stored after `afterSeq` (a `case_events.seq`, decimal), in storage order,
 * and the last `seq` read (`afterSeq` when none): the delta read of workflows/runtime/timeline-cache.ts.
 */
export async function loadEventsAfter(
  q: Q,
  caseId: string,
  afterSeq: string,
): Promise<{ events: CaseEvent[]; lastSeq: string }> {
  const rows = await q<(EventRow & { seq: string })[]>`
    select id, case_id as "caseId", type, at, recorded_at as "recordedAt", by, data, seq::text as seq
      from case_events where case_id = ${caseId} and seq > ${afterSeq}::bigint order by seq`
  return { events: rows.map(toEvent), lastSeq: rows.at(-1)?.seq ?? afterSeq }
}

/** Timelines of many cases at once (timer bursts, lists): one query, grouped by case. */
export async function loadEventsOf(q: Q, caseIds: string[]): Promise<Map<string, CaseEvent[]>> {
  const out = new Map<string, CaseEvent[]>(caseIds.map((id) => [id, []]))
  if (!caseIds.length) return out
  const rows = await q<EventRow[]>`
    select id, case_id as "caseId", type, at, recorded_at as "recordedAt", by, data
      from case_events where case_id = any(${caseIds}::uuid[]) order by seq`
  for (const r of rows) out.get(r.caseId)?.push(toEvent(r))
  return out
}

export async function findEvent(
  q: Q,
  id: string,
): Promise<(CaseEvent & { bodyHash: string | null }) | undefined> {
  const [row] = await q<EventRow[]>`
    select id, case_id as "caseId", type, at, recorded_at as "recordedAt", by, data, body_hash as "bodyHash"
      from case_events where id = ${id}`
  return row ? { ...toEvent(row), bodyHash: row.bodyHash } : undefined
}

export async function appendEvent(q: Q, e: CaseEvent, bodyHash: string | null): Promise<boolean> {
  const rows = await q`
    insert into case_events (id, case_id, type, at, recorded_at, by, data, body_hash)
    values (${e.id}, ${e.caseId}, ${e.type}, ${new Date(e.at)}, ${new Date(e.recordedAt)}, ${e.by},
            ${q.json(e.data as never)}, ${bodyHash})
    on conflict (id) do nothing
    returning id`
  return rows.length === 1
}

export async function updateProjection(
  q: Q,
  caseId: string,
  p: { phase: string; closed: boolean; facilityIds: string[]; at: Date },
): Promise<void> {
  await q`update cases set phase = ${p.phase}, status = ${p.closed ? 'closed' : 'active'},
                 facility_ids = ${p.facilityIds}::uuid[], updated_at = ${p.at}
           where id = ${caseId}`
}

export interface CaseListFilter {
  networkId: string
  status: 'active' | 'closed' | 'all'
  /** Restrict to cases that touched these facilities (village/township staff); undefined = all. */
  facilityIds?: string[]
  limit: number
}

export async function listCases(q: Q, f: CaseListFilter): Promise<CaseRow[]> {
  return q<CaseRow[]>`
    select ${caseColumns(q)} from cases
     where network_id = ${f.networkId}
       ${f.status === 'all' ? q`` : q`and status = ${f.status}`}
       ${f.facilityIds ? q`and facility_ids && ${f.facilityIds}::uuid[]` : q``}
     order by updated_at desc
     limit ${f.limit}`
}

/** The clock of the database: one clock for clinical checks, storage times and pg-boss. */
export async function dbNow(q: Q): Promise<number> {
  const [row] = await q<{ now: Date }[]>`select clock_timestamp() as now`
  return row!.now.getTime()
}
