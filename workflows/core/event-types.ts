/**
 * Event type names (docs/clinical-rules.md). They follow the national chest-pain-center data platform's
 * time points so that registry export needs no retyping. The events table CHECK constraint
 * mirrors EVENT_TYPES.
 */

/** Events a signed-in user may record. */
export const CLINICAL_EVENT_TYPES = [
  'symptom_onset',
  'first_medical_contact',
  'arrived',
  'ecg_acquired',
  'ecg_transmitted',
  'consult_acknowledged',
  'diagnosis',
  'strategy',
  'lysis_checklist',
  'consent_started',
  'consent_signed',
  'lysis_decision',
  'lysis_bolus',
  'lysis_end',
  'reperfusion_assessment',
  'transfer_decided',
  'departed',
  'cath_lab_activated',
  'cath_lab_ready',
  'wire_crossed',
  'outcome',
  'correction',
  'note',
  'alert_acknowledged',
  // Ongoing ischaemia, instability, shock, arrest, Killip class, re-occlusion
  // (docs/clinical-rules.md, "Clinical status").
  'clinical_status',
  // Co-therapy given with lysis, and complications after it (docs/clinical-rules.md, "Co-therapy").
  'medication_given',
  'complication',
  // ambulance tier: the 120 dispatch time points (WS/T 451); see docs/ambulance.md
  'ems_call',
  'ems_dispatched',
  // the vehicle left its station (WS/T 451 出车), between dispatch and arrival on scene
  'ems_departed',
  'ems_on_scene',
  'ems_left_scene',
] as const

/** Events only the server records, when a deadline timer fires (docs/clinical-rules.md). */
export const SYSTEM_EVENT_TYPES = [
  'deadline_warning',
  'deadline_missed',
  'escalated',
  'alert_repeated',
] as const

export const EVENT_TYPES = [...CLINICAL_EVENT_TYPES, ...SYSTEM_EVENT_TYPES] as const

export type ClinicalEventType = (typeof CLINICAL_EVENT_TYPES)[number]
export type SystemEventType = (typeof SYSTEM_EVENT_TYPES)[number]
export type EventType = ClinicalEventType | SystemEventType

const SYSTEM_SET: ReadonlySet<string> = new Set(SYSTEM_EVENT_TYPES)
const CLINICAL_SET: ReadonlySet<string> = new Set(CLINICAL_EVENT_TYPES)

/** True for the server-only event types. */
export function isSystemEventType(t: string): t is SystemEventType {
  return SYSTEM_SET.has(t)
}

/** True for the event types a user may record. */
export function isClinicalEventType(t: string): t is ClinicalEventType {
  return CLINICAL_SET.has(t)
}
