import type { Q } from './platform/connect.ts'
import type { Audience, CaseState } from '../core/index.ts'
import { PHYSICIAN_ROLES as PHYSICIAN_ROLE_LIST } from '../core/roles.ts'
import { onCallAt } from './store/network.ts'

const PHYSICIAN_ROLES: string[] = [...PHYSICIAN_ROLE_LIST]

/**
 * Resolve the audiences named by the rules table to people, at `now`:
 * - case_physician: the physicians who recorded on the case, and those scoped to the facility
 *   where the patient is now (a shift change must not orphan an alert);
 * - on_call_first_line / on_call_second_line: the rota at that moment;
 * - all_cardiologists, cath_lab: every active one of the network;
 * - approving_cardiologist: who decided on lysis; case_cardiologists: cardiologists who
 *   acknowledged or decided, else the first-line on call.
 */
export async function resolveAudience(
  q: Q,
  state: CaseState,
  audiences: readonly Audience[],
  now: number,
): Promise<string[]> {
  const networkId = state.info.networkId
  const out = new Set<string>()
  for (const a of audiences) {
    switch (a) {
      case 'case_physician': {
        const rows = await q<{ id: string }[]>`
          select distinct u.id from users u join user_roles r on r.user_id = u.id
           where u.network_id = ${networkId} and u.active and r.role = any(${PHYSICIAN_ROLES})
             and (u.id = any(${[state.info.createdBy, ...state.involved]}::uuid[])
                  or exists (select 1 from user_facilities f
                              where f.user_id = u.id and f.facility_id = ${state.currentFacilityId}))`
        rows.forEach((r) => out.add(r.id))
        break
      }
      case 'on_call_first_line':
        ;(await onCallAt(q, networkId, 'first', new Date(now))).forEach((id) => out.add(id))
        break
      case 'on_call_second_line':
        ;(await onCallAt(q, networkId, 'second', new Date(now))).forEach((id) => out.add(id))
        break
      case 'all_cardiologists':
        ;(await usersWithRole(q, networkId, 'cardiologist')).forEach((id) => out.add(id))
        break
      case 'cath_lab':
        ;(await usersWithRole(q, networkId, 'cath_lab')).forEach((id) => out.add(id))
        break
      case 'approving_cardiologist':
        if (state.points.decision?.by) out.add(state.points.decision.by)
        break
      case 'case_cardiologists': {
        const cardiologists = new Set(await usersWithRole(q, networkId, 'cardiologist'))
        const onCase = [
          state.points.consultAcknowledged?.by,
          state.points.decision?.by,
          ...state.involved,
        ].filter((id): id is string => !!id && cardiologists.has(id))
        if (onCase.length) onCase.forEach((id) => out.add(id))
        else (await onCallAt(q, networkId, 'first', new Date(now))).forEach((id) => out.add(id))
        break
      }
    }
  }
  return [...out]
}

async function usersWithRole(q: Q, networkId: string, role: string): Promise<string[]> {
  const rows = await q<{ id: string }[]>`
    select u.id from users u join user_roles r on r.user_id = u.id
     where u.network_id = ${networkId} and u.active and r.role = ${role}`
  return rows.map((r) => r.id)
}
