import type { Q } from '../platform/connect.ts'
import type { CaseEvent, EventType, Patient, RegistryRecord } from '../../core/index.ts'
import { caseInfoOf, type CaseRow } from '../../views/case-row.ts'
import { LIVE_CHANNEL } from '../live.ts'
import { caseMetricsUpsert } from './case-metrics.ts'

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
 * What recording an event reads once its case is locked, in one statement: the database's clock,
 * the events stored after `afterSeq` (the timeline cache's delta; '0' for all), and the stored
 * event with id `eventId` if any (the idempotency check). Send it after `lockCase` on the same
 * transaction: it pipelines behind the lock and runs once the lock is held, under a fresh
 * snapshot (READ COMMITTED), so it sees every event committed before the lock was granted. Not
 * folded into the locking SELECT: its subqueries would run under the snapshot taken before the
 * wait and miss what the previous holder committed.
 */
export async function readUnderLock(
  q: Q,
  caseId: string,
  afterSeq: string,
  eventId: string,
): Promise<{
  now: number
  events: CaseEvent[]
  lastSeq: string
  existing: (CaseEvent & { bodyHash: string | null }) | undefined
}> {
  const rows = await q<(EventRow & { k: number; seq: string | null })[]>`
    select 0 as k, 0::bigint as o, null::uuid as id, null::uuid as "caseId", null::text as type,
           clock_timestamp() as at, null::timestamptz as "recordedAt", null::uuid as by, null::jsonb as data,
           null::text as seq, null::text as "bodyHash"
    union all
    select 1, seq, id, case_id, type, at, recorded_at, by, data, seq::text, null
      from case_events where case_id = ${caseId} and seq > ${afterSeq}::bigint
    union all
    select 2, 0, id, case_id, type, at, recorded_at, by, data, null, body_hash
      from case_events where id = ${eventId}
    order by k, o`
  let now = 0
  let lastSeq = afterSeq
  let existing: (CaseEvent & { bodyHash: string | null }) | undefined
  const events: CaseEvent[] = []
  for (const r of rows) {
    if (r.k === 0) now = r.at.getTime()
    else if (r.k === 1) {
      events.push(toEvent(r))
      lastSeq = r.seq!
    } else existing = { ...toEvent(r), bodyHash: r.bodyHash }
  }
  return { now, events, lastSeq, existing }
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

export async function appendEvent(q: Q, e: CaseEvent, bodyHash: string | null): Promise<boolean> {
  const rows = await q`
    insert into case_events (id, case_id, type, at, recorded_at, by, data, body_hash)
    values (${e.id}, ${e.caseId}, ${e.type}, ${new Date(e.at)}, ${new Date(e.recordedAt)}, ${e.by},
            ${q.json(e.data as never)}, ${bodyHash})
    on conflict (id) do nothing
    returning id`
  return rows.length === 1
}

/**
 * Store a recorded event and what follows from it, in one statement (one parse, bind and execute
 * on the server instead of five): the event, the case row's projection, the QA projection row
 * (`case_metrics`, whose change bumps the network's QA version), and the live message (NOTIFY,
 * delivered on COMMIT). The same writes as `appendEvent`, `updateProjection`,
 * `upsertCaseMetrics` and `publish` one by one. An event id stored already is a unique
 * violation (`case_events_pkey`), which aborts the transaction: nothing of it stays.
 */
export async function writeEvent(
  q: Q,
  w: {
    event: CaseEvent
    bodyHash: string | null
    projection: Projection
    metrics: RegistryRecord
    live: string
  },
): Promise<void> {
  const e = w.event
  const p = w.projection
  const m = caseMetricsUpsert(w.metrics, p.at, 15)
  const values = [
    e.id,
    e.caseId,
    e.type,
    new Date(e.at),
    new Date(e.recordedAt),
    e.by,
    e.data, // serialised by postgres.js for the jsonb parameter the server describes
    w.bodyHash,
    p.phase,
    p.closed ? 'closed' : 'active',
    p.facilityIds,
    p.at,
    w.live,
    p.headingTo,
    ...m.values,
  ]
  await q.unsafe(writeEventText(m.text), values as never[], { prepare: true })
}

const writeEventTexts = new Map<string, string>()
function writeEventText(metricsUpsert: string): string {
  let text = writeEventTexts.get(metricsUpsert)
  if (text !== undefined) return text
  text = `with e as (
      insert into case_events (id, case_id, type, at, recorded_at, by, data, body_hash)
      values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)
    ), p as (
      update cases set phase = $9, status = $10, facility_ids = $11::uuid[], updated_at = $12,
                       heading_to = $14::uuid, heading_known = true
       where id = $2
    ), m as (${metricsUpsert}
    ), v as (
      insert into qa_versions (network_id, version) select network_id, 1 from m
      on conflict (network_id) do update set version = qa_versions.version + 1
    )
    select pg_notify('${LIVE_CHANNEL}', $13)::text as notified`
  writeEventTexts.set(metricsUpsert, text)
  return text
}

/** What the case row holds of its folded state (workflows/runtime/apply-event.ts `projectionOf`). */
export interface Projection {
  phase: string
  closed: boolean
  facilityIds: string[]
  /** The destination of the open transfer (core `openDeparture`), null when on no road. */
  headingTo: string | null
  at: Date
}

export async function updateProjection(q: Q, caseId: string, p: Projection): Promise<void> {
  await q`update cases set phase = ${p.phase}, status = ${p.closed ? 'closed' : 'active'},
                 facility_ids = ${p.facilityIds}::uuid[], updated_at = ${p.at},
                 heading_to = ${p.headingTo}::uuid, heading_known = true
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

/**
 * The open cases of a network on the road to one of `facilityIds` (`heading_to`), and those whose
 * heading was never projected (rows from before migrations/0023_incoming.sql) that touched one of
 * them: a superset of the incoming board, which folds each to check.
 */
export async function headingTo(q: Q, networkId: string, facilityIds: string[]): Promise<CaseRow[]> {
  return q<CaseRow[]>`
    select ${caseColumns(q)} from cases
     where network_id = ${networkId} and status = 'active' and heading_to = any(${facilityIds}::uuid[])
    union all
    select ${caseColumns(q)} from cases
     where network_id = ${networkId} and status = 'active' and not heading_known
       and facility_ids && ${facilityIds}::uuid[]`
}

/**
 * Lock up to `limit` open cases whose heading was never projected (rows from before
 * migrations/0023_incoming.sql), skipping rows another transaction holds (an event recording
 * there projects the heading itself).
 */
export async function lockUnprojectedHeadings(q: Q, limit: number): Promise<CaseRow[]> {
  return q<CaseRow[]>`
    select ${caseColumns(q)} from cases
     where status = 'active' and not heading_known
     order by id limit ${limit} for update skip locked`
}

/** The clock of the database: one clock for clinical checks, storage times and pg-boss. */
export async function dbNow(q: Q): Promise<number> {
  const [row] = await q<{ now: Date }[]>`select clock_timestamp() as now`
  return row!.now.getTime()
}
