/** SQL for request throttles kept in Postgres, so that every API process counts together. */
import type { Q } from '../platform/connect.ts'

/**
 * Count one request against `key` in a fixed window of `windowSeconds` (the database clock
 * decides) and say whether it is within `limit`. One statement: concurrent processes cannot
 * both pass the last slot.
 */
export async function takeThrottle(
  q: Q,
  key: string,
  limit: number,
  windowSeconds: number,
): Promise<{ allowed: boolean; hits: number; retryAfterSeconds: number }> {
  const [row] = await q<{ hits: number; retryAfter: number }[]>`
    insert into request_throttle as t (key, window_start, hits) values (${key}, now(), 1)
    on conflict (key) do update set
      hits = case when t.window_start <= now() - ${windowSeconds} * interval '1 second' then 1 else t.hits + 1 end,
      window_start = case when t.window_start <= now() - ${windowSeconds} * interval '1 second'
                          then now() else t.window_start end
    returning hits, ceil(extract(epoch from (window_start + ${windowSeconds} * interval '1 second' - now())))::int
              as "retryAfter"`
  return { allowed: row!.hits <= limit, hits: row!.hits, retryAfterSeconds: Math.max(1, row!.retryAfter) }
}

/** Forget windows long over (called now and then; a stale row only costs its space). */
export async function pruneThrottles(q: Q, olderThanSeconds = 86_400): Promise<number> {
  const r =
    await q`delete from request_throttle where window_start < now() - ${olderThanSeconds} * interval '1 second'`
  return r.count
}
