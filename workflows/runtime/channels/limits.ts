/**
 * The vendors' per-recipient limits, enforced by Xinlian before a send (docs/alert-channels.md):
 * a provider that refuses silently (WeCom drops excess messages) or bills a refused call would
 * otherwise eat the minute that matters. Counted in Postgres over channel_attempts (queued or
 * sent), per address, under an advisory lock on that address, so two workers cannot both take
 * the last slot. A capped recipient is recorded as `capped` and the ladder moves on.
 */
import { hours, minutes, type ChannelKey, type Duration } from '../../core/index.ts'
import type { Q } from '../platform/connect.ts'

export interface Cap {
  per: Duration
  max: number
  source: string
}

export const CHANNEL_CAPS: Record<ChannelKey, readonly Cap[]> = {
  webpush: [],
  // WeCom app messages: 30 per member per minute and 1,000 per hour; the excess is dropped.
  wecom: [
    { per: minutes(1), max: 30, source: 'WeCom app message frequency limit per member' },
    { per: hours(1), max: 1000, source: 'WeCom app message frequency limit per member' },
  ],
  // Notification SMS: about 50 per number per day (Aliyun / Tencent Cloud default frequency control).
  sms: [{ per: hours(24), max: 50, source: 'Aliyun / Tencent SMS per-number daily frequency control' }],
  // Voice notification: per called number 1 a minute, 5 an hour, 20 a day (Aliyun VMS / Tencent VMS).
  voice: [
    { per: minutes(1), max: 1, source: 'Aliyun / Tencent voice per-number limit' },
    { per: hours(1), max: 5, source: 'Aliyun / Tencent voice per-number limit' },
    { per: hours(24), max: 20, source: 'Aliyun / Tencent voice per-number limit' },
  ],
}

/**
 * Take the address's lock for this transaction and tell whether one more send stays within
 * every cap (database clock). `planned`: sends to the address already decided in this
 * transaction but not stored yet (workflows/runtime/channels/dispatch.ts stores a step's attempts
 * in one INSERT); they count as sent now.
 */
export async function withinCaps(q: Q, channel: ChannelKey, address: string, planned = 0): Promise<boolean> {
  const caps = CHANNEL_CAPS[channel]
  if (!caps.length) return true
  const longest = Math.max(...caps.map((c) => c.per))
  // Pipelined, one round trip: the server runs them in order, so the count's snapshot is taken
  // once the lock is held.
  const [, rows] = await Promise.all([
    q`select pg_advisory_xact_lock(hashtext(${`channel:${channel}:${address}`}))`,
    q<{ ageMs: number }[]>`
      select (extract(epoch from (clock_timestamp() - created_at)) * 1000)::float8 as "ageMs"
        from channel_attempts
       where channel = ${channel} and address = ${address} and status in ('queued', 'sent')
         and created_at > clock_timestamp() - ${longest / 1000} * interval '1 second'`,
  ])
  return caps.every((c) => rows.filter((r) => r.ageMs < c.per).length + planned < c.max)
}
