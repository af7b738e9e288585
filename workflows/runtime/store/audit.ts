import type { Q } from '../platform/connect.ts'
import type { UserRow } from './users.ts'

/** Access audit (SPEC §5 / QA issue): who read which case or ECG, when, from which device. */
export async function recordAccess(
  q: Q,
  a: { user: UserRow; action: string; entity: string; entityId: string; device: string | null },
): Promise<void> {
  await q`insert into audit_log (network_id, actor_id, action, entity, entity_id, device)
          values (${a.user.networkId}, ${a.user.id}, ${a.action}, ${a.entity}, ${a.entityId}, ${a.device})`
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
