/**
 * The states of WeCom's web authorization (docs/alert-channels.md, "Signing in inside WeCom"):
 * made when a card's 查看 link is opened, bound to the network and the case it opens, valid for
 * a few minutes and taken exactly once by the callback. The database clock decides "a few
 * minutes", so app-server clock skew cannot stretch it.
 */
import { randomBytes } from 'node:crypto'
import type { Q } from '../platform/connect.ts'

/** Long enough to pass WeCom's authorization page on a slow county network, short enough not to linger. */
export const STATE_TTL_SECONDS = 300

/** WeCom allows a-zA-Z0-9 in `state`, at most 128 bytes: 64 hex characters are 256 random bits. */
export const newState = () => randomBytes(32).toString('hex')
export const STATE_SHAPE = /^[0-9a-f]{64}$/

export async function createOAuthState(q: Q, networkId: string, nextPath: string): Promise<string> {
  const state = newState()
  // Expired states are useless; drop them here so the table stays small without a job.
  await q`delete from wecom_oauth_states
           where created_at < now() - ${STATE_TTL_SECONDS} * interval '1 second'`
  await q`insert into wecom_oauth_states (state, network_id, next_path) values (${state}, ${networkId}, ${nextPath})`
  return state
}

/** The state's network and page, once: a used, expired or unknown state gives undefined. */
export async function takeOAuthState(
  q: Q,
  state: string,
): Promise<{ networkId: string; nextPath: string } | undefined> {
  const [row] = await q<{ networkId: string; nextPath: string }[]>`
    update wecom_oauth_states set used_at = now()
     where state = ${state} and used_at is null
       and created_at > now() - ${STATE_TTL_SECONDS} * interval '1 second'
    returning network_id as "networkId", next_path as "nextPath"`
  return row
}

/** Whether the case belongs to the network (the start link names both). */
export async function caseInNetwork(q: Q, networkId: string, caseId: string): Promise<boolean> {
  const rows = await q`select 1 from cases where id = ${caseId} and network_id = ${networkId}`
  return rows.length > 0
}

/** Anyone of the network with that WeCom id, active or not: the actor of a refused sign-in's audit row. */
export async function userIdByWecomId(q: Q, networkId: string, wecomUserId: string) {
  const [row] = await q<{ id: string }[]>`
    select id from users where network_id = ${networkId} and wecom_user_id = ${wecomUserId}`
  return row?.id
}
