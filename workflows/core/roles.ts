/**
 * Facility levels and user roles (SPEC §2). The database CHECK constraints mirror these
 * lists (house style rule 8) and a test compares them, so edit both together.
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
