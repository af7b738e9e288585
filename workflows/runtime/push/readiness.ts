/**
 * On-call readiness (docs/admin-api.md): at the start of every rota slot each on-call cardiologist gets a
 * readiness push and is asked to tap it. No device, a failed push, or no tap within 10 minutes →
 * the network admin(s) and the second-line are alerted, before a patient depends on that phone.
 *
 * Scheduling: a pg-boss cron tick every minute (queue `push-readiness`) scans for slots that have
 * just started, rather than one job scheduled per slot. Rota slots are created, swapped and
 * deleted by admins at any time; a per-slot job would have to be re-planned on every edit, and a
 * slot created after its own start would never get one. The tick is idempotent (one check per
 * slot and person, `unique (slot_id, user_id)`), catches up after a restart within the window,
 * and the same tick finds the checks whose 10 minutes ran out.
 */
import type { PgBoss } from 'pg-boss'
import type { Q } from '../platform/connect.ts'
import { minutes } from '../../core/index.ts'
import { publish } from '../live.ts'
import { onCallAt } from '../store/network.ts'
import { enqueuePush, PUSH_RETRY, type PushRetry } from './notifier.ts'
import { CLINICAL_TTL_SECONDS, readinessPayload, readinessProblemPayload } from '../../views/push/payload.ts'
import { subscriptionsOf } from './store.ts'

export const READINESS_QUEUE = 'push-readiness'
// docs/admin-api.md: a cardiologist who has not tapped within 10 minutes is reported.
export const TAP_WITHIN = minutes(10)
// Slots that started at most this long ago still get their check (a tick missed during a restart).
export const START_WINDOW = minutes(15)

export type ReadinessProblem = 'no_subscription' | 'push_failed' | 'no_tap'

/**
 * One tick at `now` (the database clock): start the checks of slots that just began, report the
 * checks whose tap is overdue. Returns what it did, for the tests and the job log.
 */
export async function readinessTick(
  sql: { begin: <T>(fn: (tx: Q) => Promise<T>) => Promise<T> },
  boss: PgBoss,
  retry: PushRetry = PUSH_RETRY,
): Promise<{ started: number; reported: number }> {
  return sql.begin(async (tx) => {
    const now = (await tx<{ now: Date }[]>`select now() as now`)[0]!.now
    const slots = await tx<
      { slotId: string; networkId: string; userId: string; line: 'first' | 'second'; startsAt: Date }[]
    >`
      select r.id as "slotId", r.network_id as "networkId", r.user_id as "userId", r.line, r.starts_at as "startsAt"
        from rota_slots r join users u on u.id = r.user_id and u.active
       where r.starts_at <= ${now} and r.starts_at > ${new Date(now.getTime() - START_WINDOW)} and r.ends_at > ${now}
         and not exists (select 1 from readiness_checks c where c.slot_id = r.id and c.user_id = r.user_id)`
    let reported = 0
    for (const s of slots) {
      const [check] = await tx<{ id: string }[]>`
        insert into readiness_checks (network_id, slot_id, user_id, line, slot_starts_at, sent_at)
        values (${s.networkId}, ${s.slotId}, ${s.userId}, ${s.line}, ${s.startsAt}, ${now})
        on conflict (slot_id, user_id) do nothing returning id`
      if (!check) continue
      const subs = await subscriptionsOf(tx, [s.userId])
      await tx`update readiness_checks set devices = ${subs.length} where id = ${check.id}`
      for (const sub of subs) {
        await enqueuePush(tx, boss, retry, {
          networkId: s.networkId,
          readinessId: check.id,
          userId: s.userId,
          subscriptionId: sub.id,
          kind: 'readiness',
          payload: readinessPayload(check.id, s.line),
          ttlSeconds: CLINICAL_TTL_SECONDS,
          topic: `ready${check.id.replaceAll('-', '').slice(0, 27)}`,
        })
      }
      if (!subs.length && (await reportReadiness(tx, boss, check.id, 'no_subscription', retry))) reported++
    }
    const overdue = await tx<{ id: string }[]>`
      select id from readiness_checks
       where tapped_at is null and problem is null and sent_at <= ${new Date(now.getTime() - TAP_WITHIN)}`
    for (const c of overdue) if (await reportReadiness(tx, boss, c.id, 'no_tap', retry)) reported++
    return { started: slots.length, reported }
  })
}

/**
 * Record the first problem of a check and alert the network's admins and the second-line on call
 * (push + live message). Later problems of the same check are not reported again.
 */
export async function reportReadiness(
  q: Q,
  boss: PgBoss,
  checkId: string,
  problem: ReadinessProblem,
  retry: PushRetry = PUSH_RETRY,
): Promise<boolean> {
  const [c] = await q<{ networkId: string; userId: string; name: string }[]>`
    update readiness_checks c set problem = ${problem}, reported_at = now()
      from users u
     where c.id = ${checkId} and c.problem is null and c.tapped_at is null and u.id = c.user_id
    returning c.network_id as "networkId", c.user_id as "userId", u.display_name as "name"`
  if (!c) return false
  const admins = await q<{ id: string }[]>`
    select u.id from users u join user_roles r on r.user_id = u.id
     where u.network_id = ${c.networkId} and u.active and r.role = 'admin'`
  const now = (await q<{ now: Date }[]>`select now() as now`)[0]!.now
  const secondLine = await onCallAt(q, c.networkId, 'second', now)
  const recipients = [...new Set([...admins.map((a) => a.id), ...secondLine])].filter((id) => id !== c.userId)
  const payload = readinessProblemPayload({ readinessId: checkId, name: c.name, problem })
  for (const s of await subscriptionsOf(q, recipients)) {
    await enqueuePush(q, boss, retry, {
      networkId: c.networkId,
      readinessId: checkId,
      userId: s.userId,
      subscriptionId: s.id,
      kind: 'readiness',
      payload,
      ttlSeconds: CLINICAL_TTL_SECONDS,
      topic: null,
    })
  }
  await publish(q, {
    kind: 'user',
    networkId: c.networkId,
    recipients,
    topic: 'readiness',
    data: { readinessId: checkId, userId: c.userId, problem },
  })
  return true
}

/** The on-call person tapped the readiness push. Only their own check; false when not found. */
export async function acknowledgeReadiness(q: Q, userId: string, checkId: string): Promise<Date | null> {
  const [row] = await q<{ tappedAt: Date }[]>`
    update readiness_checks set tapped_at = coalesce(tapped_at, now())
     where id = ${checkId} and user_id = ${userId}
    returning tapped_at as "tappedAt"`
  return row?.tappedAt ?? null
}

/**
 * The readiness page of a network (for its admins): each person on call now, with their devices,
 * last successful push, last tap and the current slot's check; plus the problems of the last 7 days.
 */
export async function readinessOverview(q: Q, networkId: string) {
  const onCall = await q<
    {
      userId: string
      displayName: string
      line: 'first' | 'second'
      slotId: string
      slotStartsAt: Date
      slotEndsAt: Date
      devices: number
      lastSuccessAt: Date | null
      lastFailureAt: Date | null
      lastTapAt: Date | null
      checkId: string | null
      sentAt: Date | null
      deliveredAt: Date | null
      tappedAt: Date | null
      problem: ReadinessProblem | null
      reportedAt: Date | null
    }[]
  >`
    select r.user_id as "userId", u.display_name as "displayName", r.line, r.id as "slotId",
           r.starts_at as "slotStartsAt", r.ends_at as "slotEndsAt",
           (select count(*)::int from push_subscriptions s where s.user_id = r.user_id) as devices,
           (select max(s.last_success_at) from push_subscriptions s where s.user_id = r.user_id) as "lastSuccessAt",
           (select max(s.last_failure_at) from push_subscriptions s where s.user_id = r.user_id) as "lastFailureAt",
           (select max(x.tapped_at) from readiness_checks x where x.user_id = r.user_id) as "lastTapAt",
           c.id as "checkId", c.sent_at as "sentAt", c.delivered_at as "deliveredAt", c.tapped_at as "tappedAt",
           c.problem, c.reported_at as "reportedAt"
      from rota_slots r
      join users u on u.id = r.user_id
      left join readiness_checks c on c.slot_id = r.id and c.user_id = r.user_id
     where r.network_id = ${networkId} and r.starts_at <= now() and r.ends_at > now()
     order by r.line, r.starts_at`
  const problems = await q<
    {
      checkId: string
      userId: string
      displayName: string
      line: string
      problem: ReadinessProblem
      slotStartsAt: Date
      reportedAt: Date
    }[]
  >`
    select c.id as "checkId", c.user_id as "userId", u.display_name as "displayName", c.line, c.problem,
           c.slot_starts_at as "slotStartsAt", c.reported_at as "reportedAt"
      from readiness_checks c join users u on u.id = c.user_id
     where c.network_id = ${networkId} and c.problem is not null and c.reported_at > now() - interval '7 days'
     order by c.reported_at desc`
  // Every channel counts (docs/alert-channels.md): a cardiologist on call now or in the next
  // 24 hours with no push device, no WeCom id (in a network with WeCom) and no verified mobile
  // (in a network with SMS or voice) cannot be reached at all: shown before the slot starts.
  const unreachable = await q<
    { userId: string; displayName: string; line: string; slotStartsAt: Date; slotEndsAt: Date }[]
  >`
    select r.user_id as "userId", u.display_name as "displayName", r.line,
           r.starts_at as "slotStartsAt", r.ends_at as "slotEndsAt"
      from rota_slots r join users u on u.id = r.user_id and u.active
     where r.network_id = ${networkId} and r.ends_at > now() and r.starts_at < now() + interval '24 hours'
       and not exists (select 1 from push_subscriptions s where s.user_id = r.user_id)
       and not (u.wecom_user_id is not null
                and exists (select 1 from channel_settings c where c.network_id = r.network_id and c.channel = 'wecom'))
       and not (u.mobile is not null and u.mobile_verified
                and exists (select 1 from channel_settings c
                             where c.network_id = r.network_id and c.channel in ('sms', 'voice')))
     order by r.starts_at, r.line`
  return {
    onCall: onCall.map((r) => ({
      ...r,
      status: r.tappedAt ? 'ready' : r.problem ? 'problem' : r.checkId ? 'awaiting_tap' : 'not_checked',
    })),
    problems,
    noWorkingChannel: unreachable,
  }
}
