/**
 * The pure rules of network administration: what a facility may look like, who needs a facility
 * scope, and the rota guard window. The runtime commands (workflows/runtime/admin/) read the
 * database and apply these; the import (admin-import.ts) checks every row with them.
 */
import { REGIMEN_REQUIRED } from './dosing.ts'
import { problemOf, type Problem } from './problem.ts'
import { FACILITY_SCOPED_ROLES, hasAnyRole, type FacilityLevel } from './roles.ts'

/** The guard window of the rota: a change may not open a first-line gap in the next 14 days. */
export const ROTA_GUARD_DAYS = 14
/** The network's time zone when its settings name none. */
export const DEFAULT_TZ = 'Asia/Shanghai'

/** A facility as the admin writes it. */
export interface FacilityInput {
  name: string
  nameEn: string | null
  level: FacilityLevel
  address: string | null
  hasCathLab: boolean
  lysisDrugs: string[]
  lysisRegimens: Record<string, string>
}

/**
 * Facility rules. "Lysis-capable" in this schema means drugs on hand (`lysisDrugs` non-empty), so:
 * a township must keep at least one drug unless the admin says explicitly `canLyse: false`; a
 * village rescue point gives no lysis; only the county has a cath lab; a regimen is named for every
 * drug whose dose the core does not compute, and only for drugs on hand. Empty when it is fine.
 */
export function facilityProblems(
  f: FacilityInput,
  canLyse: boolean | undefined,
  drugsTouched: boolean,
): Problem[] {
  const out: Problem[] = []
  if (f.hasCathLab && f.level !== 'county') out.push(problemOf('cath_lab_not_county', 'hasCathLab'))
  if (f.level === 'village' && f.lysisDrugs.length > 0) out.push(problemOf('village_no_lysis', 'lysisDrugs'))
  if (canLyse === false && f.lysisDrugs.length > 0) out.push(problemOf('can_lyse_conflict', 'canLyse'))
  if (f.level === 'township' && f.lysisDrugs.length === 0 && canLyse !== false)
    out.push(problemOf('lysis_without_drug', 'lysisDrugs'))
  for (const drug of Object.keys(f.lysisRegimens))
    if (!f.lysisDrugs.includes(drug))
      out.push(problemOf('regimen_without_drug', `lysisRegimens.${drug}`, { drug }))
  if (drugsTouched)
    for (const drug of f.lysisDrugs)
      if (REGIMEN_REQUIRED.has(drug) && !f.lysisRegimens[drug])
        out.push(problemOf('regimen_required', `lysisRegimens.${drug}`, { drug }))
  return out
}

/** A user's facility scope: every facility of this network (`own`), and one for scoped roles. */
export function scopeProblems(
  roles: readonly string[],
  facilityIds: readonly string[],
  own: ReadonlySet<string>,
): Problem[] {
  const out: Problem[] = []
  facilityIds.forEach((f, i) => {
    if (!own.has(f)) out.push(problemOf('not_in_network', `facilityIds.${i}`))
  })
  if (facilityIds.length === 0 && hasAnyRole(roles, FACILITY_SCOPED_ROLES))
    out.push(problemOf('scope_required', 'facilityIds'))
  return out
}
