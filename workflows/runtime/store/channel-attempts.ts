import type { ProviderReport } from '../channels/vendor.ts'
import type { Q } from '../platform/connect.ts'

/**
 * SQL of the alert channels' HTTP edge (the attempts a case shows, the callbacks' bookkeeping),
 * by intent, so that api/routes holds none.
 */

export interface AttemptRow {
  alertId: string
  alertKey: string | null
  template: string
  userId: string
  userName: string
  step: number
  channel: string
  provider: string
  providerId: string | null
  status: string
  createdAt: Date
  sentAt: Date | null
  answer: string | null
  deliveredAt: Date | null
  delivery: string | null
  answeredAt: Date | null
  keyPressed: string | null
  acknowledgedAt: Date | null
}

/** Every attempt of every alert of a case, in order. */
export async function attemptsOfCase(q: Q, caseId: string): Promise<AttemptRow[]> {
  return q<AttemptRow[]>`
    select a.alert_id as "alertId", al.alert_key as "alertKey", al.template, a.user_id as "userId",
           u.display_name as "userName", a.step, a.channel, a.provider, a.provider_id as "providerId", a.status,
           a.created_at as "createdAt", a.sent_at as "sentAt", a.answer, a.delivered_at as "deliveredAt",
           a.delivery, a.answered_at as "answeredAt", a.key_pressed as "keyPressed", a.acknowledged_at as "acknowledgedAt"
      from channel_attempts a join alerts al on al.id = a.alert_id join users u on u.id = a.user_id
     where a.case_id = ${caseId}
     order by a.created_at, a.step, a.channel`
}

/** The contacts of an active person of the network (for "send a test"). */
export async function contactOfUser(q: Q, networkId: string, userId: string) {
  const [r] = await q<
    { id: string; mobile: string | null; mobileVerified: boolean; wecomUserId: string | null }[]
  >`
    select id, mobile, mobile_verified as "mobileVerified", wecom_user_id as "wecomUserId"
      from users where id = ${userId} and network_id = ${networkId} and active`
  return r
}

/** Record a callback's key once; false when it was seen before (a replay). */
export async function firstTimeCallback(q: Q, networkId: string, key: string): Promise<boolean> {
  const rows = await q`
    insert into channel_callbacks (network_id, key) values (${networkId}, ${key})
    on conflict do nothing returning key`
  return rows.length > 0
}

/** The WeCom ids a card of one ladder step went to (to update the card for all of them). */
export async function cardRecipients(q: Q, alertId: string, step: number): Promise<string[]> {
  const rows = await q<{ address: string }[]>`
    select distinct address from channel_attempts
     where alert_id = ${alertId} and step = ${step} and channel = 'wecom' and address is not null`
  return rows.map((x) => x.address)
}

/**
 * The other WeCom cards of the pressed card's case (every step and alert: the second-line's,
 * everyone's), each as the response_code its send returned and who got it; taken, so each is
 * used once as WeCom requires. The pressed card itself is updated with the callback's own code.
 */
export async function takeOtherCards(
  q: Q,
  pressed: { alertId: string; step: number },
): Promise<{ responseCode: string; userIds: string[] }[]> {
  return q<{ responseCode: string; userIds: string[] }[]>`
    with picked as (
      select a.id, a.card_response_code as code, a.address
        from channel_attempts a
        join alerts al on al.id = a.alert_id
        join alerts pressed on pressed.id = ${pressed.alertId} and pressed.case_id = al.case_id
       where a.channel = 'wecom' and a.card_response_code is not null
         and not (a.alert_id = ${pressed.alertId} and a.step = ${pressed.step})
         for update of a
    ), spent as (
      update channel_attempts set card_response_code = null where id in (select id from picked)
    )
    select code as "responseCode", array_agg(distinct address) as "userIds" from picked
     where address is not null group by code`
}

/** The pressed card's own send code is spent too: its update used the callback's code. */
export async function dropCardCode(q: Q, pressed: { alertId: string; step: number }) {
  await q`update channel_attempts set card_response_code = null
           where alert_id = ${pressed.alertId} and step = ${pressed.step} and channel = 'wecom'`
}

/** Apply a provider's delivery report, call result or key press to its attempt row. */
export async function applyProviderReport(q: Q, networkId: string, r: ProviderReport) {
  const [a] = await q<{ id: string; alertId: string; userId: string }[]>`
    update channel_attempts
       set delivered_at = case when ${r.delivered === true} then coalesce(delivered_at, now()) else delivered_at end,
           delivery = coalesce(${r.delivered === undefined ? null : r.delivered ? 'delivered' : `failed${r.code ? ':' + r.code : ''}`}, delivery),
           answered_at = case when ${r.answered === true || r.keyPressed !== undefined} then coalesce(answered_at, now()) else answered_at end,
           key_pressed = coalesce(${r.keyPressed ?? null}, key_pressed)
     where network_id = ${networkId} and channel = ${r.channel} and provider_id = ${r.providerId}
     returning id, alert_id as "alertId", user_id as "userId"`
  return a
}

export interface ProblemAttemptRow {
  caseId: string
  facilityName: string
  alertId: string
  template: string
  userId: string
  userName: string
  channel: string
  status: string
  answer: string | null
  createdAt: Date
}

/**
 * Every attempt of the alerts of the network that had at least one attempt reaching nobody
 * (failed, capped, no address) since `since`, newest alert first — the core's
 * `deliveryProblems` decides per person whether it is a problem to show.
 */
export async function attemptsWithProblems(q: Q, networkId: string, since: Date, limit = 200) {
  return q<ProblemAttemptRow[]>`
    with bad as (
      select distinct alert_id from channel_attempts
       where network_id = ${networkId} and created_at >= ${since}
         and status in ('failed', 'capped', 'unreachable')
       limit ${limit})
    select a.case_id as "caseId", f.name as "facilityName", a.alert_id as "alertId", al.template,
           a.user_id as "userId", u.display_name as "userName", a.channel, a.status, a.answer,
           a.created_at as "createdAt"
      from channel_attempts a
      join bad on bad.alert_id = a.alert_id
      join alerts al on al.id = a.alert_id
      join users u on u.id = a.user_id
      join cases c on c.id = a.case_id
      join facilities f on f.id = c.facility_id
     order by a.created_at desc, a.step, a.channel`
}
