import type { UserRow } from './users.ts'
import type { JSONValue } from 'postgres'
import type { Q } from '../platform/connect.ts'
import type { AuditCtx } from '../context.ts'

/**
 * The one audit writer: admin changes (with before/after), access reads of a case or an ECG,
 * exports, code redemptions. Written in the caller's transaction when there is one, so a rolled
 * back change leaves no record (docs/admin-api.md lists the actions).
 */
export interface AuditEntry {
  action: string
  entity: string
  entityId: string | null
  before?: unknown
  after?: unknown
}

const toJson = (v: unknown): JSONValue => JSON.parse(JSON.stringify(v)) as JSONValue

export async function audit(q: Q, ctx: AuditCtx, e: AuditEntry): Promise<void> {
  const before = e.before === undefined || e.before === null ? null : q.json(toJson(e.before))
  const after = e.after === undefined || e.after === null ? null : q.json(toJson(e.after))
  await q`
    insert into audit_log (network_id, actor_id, action, entity, entity_id, before, after, device)
    values (${ctx.networkId}, ${ctx.userId}, ${e.action}, ${e.entity}, ${e.entityId}, ${before}, ${after}, ${ctx.device})`
}

/** The access log of a period (QA's "who read which case"). */
export async function accessLog(q: Q, networkId: string, p: { from: Date; to: Date; limit: number }) {
  return q<
    {
      at: Date
      actorId: string | null
      actorName: string | null
      action: string
      entity: string
      entityId: string | null
      device: string | null
    }[]
  >`
    select a.at, a.actor_id as "actorId", u.display_name as "actorName", a.action, a.entity,
           a.entity_id as "entityId", a.device
      from audit_log a left join users u on u.id = a.actor_id
     where a.network_id = ${networkId} and a.at >= ${p.from} and a.at < ${p.to}
       and a.entity in ('case', 'attachment')
     order by a.at desc limit ${p.limit}`
}

/** The admin audit trail of a network, newest first, optionally filtered. */
export async function auditOf(
  q: Q,
  networkId: string,
  f: { entity?: string; entityId?: string; from?: Date; to?: Date; limit: number },
) {
  return q`
    select a.id::text, a.at, a.action, a.entity, a.entity_id as "entityId", a.actor_id as "actorId",
           u.username as "actorUsername", a.before, a.after, a.device
      from audit_log a left join users u on u.id = a.actor_id
     where a.network_id = ${networkId}
       ${f.entity ? q`and a.entity = ${f.entity}` : q``}
       ${f.entityId ? q`and a.entity_id = ${f.entityId}` : q``}
       ${f.from ? q`and a.at >= ${f.from}` : q``}
       ${f.to ? q`and a.at < ${f.to}` : q``}
     order by a.at desc, a.id desc
     limit ${f.limit}`
}

/** Who read one case (the QA timeline's access list), newest first. */
export async function caseAccessLog(q: Q, caseId: string) {
  return q<
    { at: Date; actorId: string | null; actorName: string | null; action: string; device: string | null }[]
  >`
    select a.at, a.actor_id as "actorId", u.display_name as "actorName", a.action, a.device
      from audit_log a left join users u on u.id = a.actor_id
     where a.entity = 'case' and a.entity_id = ${caseId}
     order by a.at desc limit 500`
}

/**
 * A view in the access trail: one row per person, device and record per `windowMinutes`. The
 * screens re-read a case on every live update (a colleague's tap, a timer), which is one view
 * of the case, not dozens; the first read after a quiet spell is recorded again.
 */
export async function recordView(
  q: Q,
  a: { user: UserRow; action: string; entity: string; entityId: string; device: string | null },
  windowMinutes = 10,
): Promise<void> {
  await q`insert into audit_log (network_id, actor_id, action, entity, entity_id, device)
          select ${a.user.networkId}, ${a.user.id}, ${a.action}, ${a.entity}, ${a.entityId}, ${a.device}
           where not exists (
             select 1 from audit_log
              where entity = ${a.entity} and entity_id = ${a.entityId} and actor_id = ${a.user.id}
                and action = ${a.action} and device is not distinct from ${a.device}
                and at > now() - make_interval(mins => ${windowMinutes}))`
}
