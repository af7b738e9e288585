/**
 * Positions of the transporting vehicle (migrations/0015_ambulance.sql). Telemetry, kept out of
 * the append-only case log on purpose: a few fixes a minute would swamp the clinical timeline
 * and its replay, and a lost fix changes no clinical fact.
 */
import type { PositionFix } from '../../core/index.ts'
import type { Q } from '../platform/connect.ts'

/** Store one fix; a re-sent fix (same case and time, after a dead zone) is kept once. */
export async function addPosition(
  q: Q,
  caseId: string,
  by: string,
  fix: { at: Date; lat: number; lon: number; accuracyM: number },
): Promise<boolean> {
  const rows = await q`
    insert into case_positions (case_id, at, lat, lon, accuracy_m, by)
    values (${caseId}, ${fix.at}, ${fix.lat}, ${fix.lon}, ${fix.accuracyM}, ${by})
    on conflict (case_id, at) do nothing returning id`
  return rows.length > 0
}

/** The fixes of these cases since `since`, per case, oldest first. */
export async function positionsOf(q: Q, caseIds: string[], since: Date): Promise<Map<string, PositionFix[]>> {
  const out = new Map<string, PositionFix[]>()
  if (caseIds.length === 0) return out
  const rows = await q<{ caseId: string; at: Date; lat: number; lon: number; accuracyM: number }[]>`
    select case_id as "caseId", at, lat, lon, accuracy_m as "accuracyM" from case_positions
     where case_id = any(${caseIds}::uuid[]) and at >= ${since}
     order by at`
  for (const r of rows) {
    const list = out.get(r.caseId) ?? []
    list.push({ at: r.at.getTime(), lat: r.lat, lon: r.lon, accuracyM: r.accuracyM })
    out.set(r.caseId, list)
  }
  return out
}
