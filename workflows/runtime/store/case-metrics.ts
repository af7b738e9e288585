import type { Q } from '../platform/connect.ts'
import { METRIC_KEYS, type MetricKey, type RegistryRecord } from '../../core/index.ts'
import { POINT_COLUMNS } from '../../core/registry-columns.ts'

export { POINT_COLUMNS, type ColumnKind, type RegistryColumn } from '../../core/registry-columns.ts'

type Cell = string | number | boolean | Date | string[] | null

/** The `case_metrics` row of a registry record (snake_case columns, Dates for instants). */
export function rowOf(r: RegistryRecord, updatedAt: Date): Record<string, Cell> {
  const row: Record<string, Cell> = {
    case_id: r.caseId,
    network_id: r.networkId,
    facility_id: r.facilityId,
    ref_at: new Date(r.refAt),
    month: r.month,
  }
  for (const c of POINT_COLUMNS) {
    const v = r[c.field]
    row[c.column] = c.kind === 'ts' && typeof v === 'number' ? new Date(v) : v
  }
  for (const k of METRIC_KEYS) row[k] = r.metrics[k]
  row.flagged_metrics = r.flaggedMetrics
  row.flag_codes = r.flagCodes
  row.completeness = r.completeness
  row.entered_late = r.enteredLate
  row.corrected = r.corrected
  row.stemi = r.stemi
  row.closed = r.closed
  row.updated_at = updatedAt
  return row
}

/**
 * Upsert the QA projection row of one case (inside the event's transaction). Only a real change
 * (not a timer's system event that moves no time point) bumps the network's QA version, which
 * invalidates cached aggregates. Returns whether the row changed.
 */
export async function upsertCaseMetrics(q: Q, r: RegistryRecord, updatedAt: Date): Promise<boolean> {
  const row = rowOf(r, updatedAt)
  const keys = Object.keys(row)
  // Prepared (postgres.js does not prepare `unsafe` text by default): unprepared, a query with
  // parameters is sent describe-first, which costs a round trip and makes every later statement
  // of the transaction wait for the previous one's answer (bench/PROFILE.md). The texts are a
  // handful (one per column set), so the per-connection statement cache stays small.
  const changed = await q.unsafe<{ case_id: string }[]>(
    upsertText(keys),
    keys.map((k) => row[k]) as never[],
    {
      prepare: true,
    },
  )
  if (changed.length) await bumpVersion(q, r.networkId)
  return changed.length > 0
}

/**
 * The upsert's text for a row's columns, built once: every event runs it, and postgres.js's
 * identifier helpers (`q(row)`, `q(cols)`) rebuilt and re-escaped ~60 column names four times and
 * bound every value twice per call (bench/PROFILE.md, "Profile of an event POST"). The update takes
 * `excluded.*`, the values offered to the insert: the same row as binding them again.
 */
const upsertTexts = new Map<string, string>()
function upsertText(keys: readonly string[], first = 1, returning = 'case_id'): string {
  const sig = `${first} ${returning} ${keys.join(',')}`
  let text = upsertTexts.get(sig)
  if (text !== undefined) return text
  const id = (c: string) => '"' + c.replace(/"/g, '""') + '"'
  const cols = keys.filter((k) => k !== 'case_id')
  const compared = cols.filter((k) => k !== 'updated_at')
  text =
    `insert into case_metrics (${keys.map(id).join(',')}) values (${keys.map((_, i) => `$${i + first}`).join(',')})` +
    ` on conflict (case_id) do update set ${cols.map((c) => `${id(c)} = excluded.${id(c)}`).join(', ')}` +
    ` where (${compared.map((c) => `case_metrics.${id(c)}`).join(',')}) is distinct from` +
    ` (${compared.map((c) => `excluded.${id(c)}`).join(',')})` +
    ` returning ${returning}`
  upsertTexts.set(sig, text)
  return text
}

/**
 * The upsert of `upsertCaseMetrics` as a part of a bigger statement (the event write of
 * store/cases.ts `writeEvent`): its text with parameters numbered from `first`, returning the
 * network of a row that changed, and its values.
 */
export function caseMetricsUpsert(
  r: RegistryRecord,
  updatedAt: Date,
  first: number,
): { text: string; values: Cell[] } {
  const row = rowOf(r, updatedAt)
  const keys = Object.keys(row)
  return { text: upsertText(keys, first, 'network_id'), values: keys.map((k) => row[k]!) }
}

/** Mark every cached aggregate of the network stale (commit-ordered by the row lock). */
export async function bumpVersion(q: Q, networkId: string): Promise<void> {
  await q`insert into qa_versions (network_id, version) values (${networkId}, 1)
          on conflict (network_id) do update set version = qa_versions.version + 1`
}

/** Bulk insert (history fixture): batches below the 65,535 bind-parameter limit. */
export async function insertCaseMetrics(q: Q, records: readonly RegistryRecord[], at: Date): Promise<void> {
  const rows = records.map((r) => rowOf(r, at))
  const per = Math.floor(60_000 / (Object.keys(rows[0] ?? { a: 1 }).length + 1))
  for (let i = 0; i < rows.length; i += per)
    await q`insert into case_metrics ${q(rows.slice(i, i + per) as never)}`
  for (const networkId of new Set(records.map((r) => r.networkId))) await bumpVersion(q, networkId)
}

/** The metric columns in the order of docs/qa-api.md. */
export const METRIC_COLUMNS: readonly MetricKey[] = METRIC_KEYS

/**
 * The registry rows of a period, oldest first, in batches of 500 from a server-side cursor: a
 * year of a big network never sits in memory (the CSV export streams them).
 */
export function caseMetricsBatches(
  q: Q,
  f: { networkId: string; from: Date; to: Date; facilityId?: string | undefined },
): AsyncIterable<Record<string, unknown>[]> {
  return q<Record<string, unknown>[]>`
    select *, month::text as month from case_metrics
     where network_id = ${f.networkId} and ref_at >= ${f.from} and ref_at < ${f.to}
       ${f.facilityId ? q`and facility_id = ${f.facilityId}` : q``}
     order by ref_at, case_id`.cursor(500)
}
