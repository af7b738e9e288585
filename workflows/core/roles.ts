/**
 * Facility levels and user roles (SPEC §2). The database CHECK constraints mirror these
 * lists (house style rule 8) and a test compares them, so edit both together.
 */

/** village = rescue point (ECG, no lysis); township = treatment unit (lysis); county = PCI center. */
export const FACILITY_LEVELS = ['village', 'township', 'county'] as const
export type FacilityLevel = (typeof FACILITY_LEVELS)[number]

export const ROLES = [
  'village_doctor',
  'township_physician',
  'cardiologist',
  'cath_lab',
  'qa',
  'admin',
] as const
export type Role = (typeof ROLES)[number]
