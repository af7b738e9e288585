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
