/**
 * Facility levels and user roles (docs/admin-api.md). The database CHECK constraints mirror these
 * lists and a test compares them, so edit both together.
 */

/**
 * village = rescue point (ECG, no lysis); township = treatment unit (lysis); county = PCI center;
 * ambulance = a 120 vehicle unit of the county 120 center or of a facility (docs/ambulance.md).
 */
export const FACILITY_LEVELS = ['village', 'township', 'county', 'ambulance'] as const
export type FacilityLevel = (typeof FACILITY_LEVELS)[number]

export const ROLES = [
  'village_doctor',
  'township_physician',
  'cardiologist',
  'cath_lab',
  'qa',
  'admin',
  // ambulance tier: a 120 crew (doctor, nurse, driver), scoped to its ambulance unit
  'ems_crew',
] as const
export type Role = (typeof ROLES)[number]

/**
 * Role groups: the one place that says which roles record care, which see the whole network and
 * which work at named facilities. Case visibility (access.ts), alert audiences, the admin checks
 * and the PWA's user form all read these lists.
 */
/** Roles that may record clinical events. QA audits, admins configure: neither records care. */
export const CLINICAL_ROLES = [
  'village_doctor',
  'township_physician',
  'cardiologist',
  'cath_lab',
  'ems_crew',
] as const satisfies readonly Role[]
/** Roles that work across the whole network (county staff, QA, admin). */
export const NETWORK_WIDE_ROLES = [
  'cardiologist',
  'cath_lab',
  'qa',
  'admin',
] as const satisfies readonly Role[]
/** Roles that work at named facilities and so need a facility scope. */
export const FACILITY_SCOPED_ROLES = [
  'village_doctor',
  'township_physician',
  'ems_crew',
] as const satisfies readonly Role[]
/** The physicians of the village and township tier: the `case_physician` audience. */
export const PHYSICIAN_ROLES = FACILITY_SCOPED_ROLES

/** Whether any of `roles` is in `group`. */
export const hasAnyRole = (roles: readonly string[], group: readonly Role[]): boolean =>
  roles.some((r) => (group as readonly string[]).includes(r))
