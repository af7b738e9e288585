import type { JSONValue } from 'postgres'
import type { Sql } from '../platform/connect.ts'

/** Store the network's own ladder for one alert kind (validated by the core's checkLadder first). */
export async function saveLadder(tx: Sql, networkId: string, kind: string, steps: unknown, by: string) {
  await tx`
    insert into alert_ladders (network_id, kind, steps, updated_by)
    values (${networkId}, ${kind}, ${tx.json(steps as JSONValue)}, ${by})
    on conflict (network_id, kind) do update set steps = excluded.steps, updated_at = now(), updated_by = excluded.updated_by`
}

/** Drop the network's own ladder for one alert kind: the core default applies again. */
export async function resetLadder(tx: Sql, networkId: string, kind: string): Promise<boolean> {
  const rows =
    await tx`delete from alert_ladders where network_id = ${networkId} and kind = ${kind} returning kind`
  return rows.length > 0
}
