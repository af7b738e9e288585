/**
 * An acknowledgement or a decision that arrived through a channel (a WeCom button, voice key 1,
 * the push notification's action) is recorded exactly as the API records it: the same event,
 * the same checks (only a cardiologist of the case's network acknowledges a consult or decides
 * on lysis), by the person the channel identified. The event id derives from (alert, person),
 * so a replay or a second press is a no-op. The attempt row notes which channel answered.
 */
import type { AckVia } from '../../core/index.ts'
import { canSeeCase } from '../../core/access.ts'
import { recordEvent, Refused, type NewEvent, type Runtime } from '../apply-event.ts'
import { derivedUuid } from '../ids.ts'
import type { Q } from '../platform/connect.ts'
import { dbNow } from '../store/cases.ts'
import type { UserRow } from '../store/users.ts'

export type ChannelAction = 'acknowledge' | 'approve'
export type ActionOutcome =
  | { recorded: true; type: string; eventId: string; at: number; already: boolean }
  | {
      recorded: false
      reason: 'unknown_user' | 'not_cardiologist' | 'unknown_alert' | 'refused' | 'nothing_to_acknowledge'
    }

/** An active user of `networkId`, with roles and facilities (as a session would carry). */
export async function activeUser(q: Q, networkId: string, where: { id?: string; wecomUserId?: string }) {
  const [row] = await q<UserRow[]>`
    select u.id, u.network_id as "networkId", u.username, u.display_name as "displayName", u.active,
           coalesce((select array_agg(role order by role) from user_roles where user_id = u.id), '{}') as roles,
           coalesce((select array_agg(facility_id::text) from user_facilities where user_id = u.id), '{}') as "facilityIds"
      from users u
     where u.network_id = ${networkId} and u.active
       and ${where.id ? q`u.id = ${where.id}` : q`u.wecom_user_id = ${where.wecomUserId ?? ''}`}`
  return row
}

/** Record `action` on `alertId` by `user`, reached through `via`. */
export async function actOnAlert(
  rt: Runtime,
  user: UserRow,
  alertId: string,
  action: ChannelAction,
  via: AckVia,
): Promise<ActionOutcome> {
  const [alert] = await rt.sql<
    { caseId: string; networkId: string; template: string; alertKey: string | null; rule: string | null }[]
  >`
    select case_id as "caseId", network_id as "networkId", template, alert_key as "alertKey", rule
      from alerts where id = ${alertId}`
  if (!alert || alert.networkId !== user.networkId) return { recorded: false, reason: 'unknown_alert' }
  const cardiologist = user.roles.includes('cardiologist')
  const consult =
    alert.template === 'consult' || (alert.template === 'escalated' && alert.rule === 'remote_read')
  const at = await dbNow(rt.sql)
  let input: NewEvent
  if (action === 'approve') {
    if (!cardiologist) return { recorded: false, reason: 'not_cardiologist' }
    input = {
      id: derivedUuid('channel-approve', alertId, user.id),
      type: 'lysis_decision',
      at,
      data: { decision: 'approved' },
    }
  } else if (consult) {
    if (!cardiologist) return { recorded: false, reason: 'not_cardiologist' }
    input = {
      id: derivedUuid('alert-ack', alertId, user.id),
      type: 'consult_acknowledged',
      at,
      data: { via },
    }
  } else if (alert.alertKey) {
    input = {
      id: derivedUuid('alert-ack', alertId, user.id),
      type: 'alert_acknowledged',
      at,
      data: { alertKey: alert.alertKey, via },
    }
  } else return { recorded: false, reason: 'nothing_to_acknowledge' }
  const actor = {
    id: user.id,
    roles: user.roles,
    facilityIds: user.facilityIds,
    name: user.displayName,
    networkId: user.networkId,
  }
  let outcome: ActionOutcome
  try {
    const r = await recordEvent(rt, actor, alert.caseId, input, (c) => canSeeCase(user, c))
    outcome = {
      recorded: true,
      type: input.type,
      eventId: r.event.id,
      at: r.event.at,
      already: r.status === 200,
    }
  } catch (e) {
    // The same person pressing again: same id, later `at` — already done.
    if (e instanceof Refused && e.reason === 'id_reused')
      outcome = { recorded: true, type: input.type, eventId: input.id, at, already: true }
    else if (e instanceof Refused) return { recorded: false, reason: 'refused' }
    else throw e
  }
  await rt.sql`
    update channel_attempts set acknowledged_at = coalesce(acknowledged_at, now())
     where alert_id = ${alertId} and user_id = ${user.id} and channel = ${via}`
  return outcome
}
