/**
 * Payload schemas per clinical event type (docs/clinical-rules.md "Payload fields"). Objects are strict:
 * a misspelt field (`weightkg`) is rejected rather than silently dropped, because a dropped
 * clinical value is worse than a 422. `facilityId` is accepted on every event (docs/clinical-rules.md:
 * "facilityId where relevant"); when absent the fold uses the case's current facility.
 */
import { ACK_VIA } from './ladder.ts'
import { z } from 'zod'
import { ALL_CHECKLIST_KEYS } from './checklist.ts'
import type { ClinicalEventType } from './event-types.ts'

export const ARRIVAL_MODES = ['ambulance', 'transfer', 'walk_in', 'in_hospital'] as const
export const DIAGNOSES = [
  'stemi',
  'nstemi',
  'unstable_angina',
  'aortic_dissection',
  'pulmonary_embolism',
  'other_cardiac',
  'non_cardiac',
  'inconclusive',
] as const
export const STRATEGIES = ['primary_pci', 'pharmacoinvasive', 'conservative'] as const
export const ADVICE_KINDS = [
  'primary_pci',
  'pharmacoinvasive',
  'transfer_for_lysis',
  'primary_pci_delayed',
] as const
export const OUTCOMES = ['discharged_alive', 'died', 'transferred_elsewhere', 'not_acs'] as const
export const TRANSMISSION_VIA = ['realtime', 'upload', 'wechat'] as const
// docs/clinical-rules.md, "Co-therapy" and "Complications".
export const COTHERAPY_DRUGS = [
  'aspirin',
  'clopidogrel',
  'ticagrelor',
  'enoxaparin',
  'unfractionated_heparin',
] as const
export const ROUTES = ['oral', 'iv', 'sc'] as const
export const COMPLICATIONS = [
  'intracranial_haemorrhage',
  'major_bleeding',
  'minor_bleeding',
  'reperfusion_arrhythmia',
  'allergy',
] as const
// STEMI-equivalent ECG patterns qualifying a STEMI read (ESC 2023).
export const STEMI_EQUIVALENTS = [
  'posterior',
  'de_winter',
  'lbbb_sgarbossa',
  'paced_sgarbossa',
  'hyperacute_t',
] as const

export type Diagnosis = (typeof DIAGNOSES)[number]
export type Strategy = (typeof STRATEGIES)[number]
export type ArrivalMode = (typeof ARRIVAL_MODES)[number]
export type Outcome = (typeof OUTCOMES)[number]

const id = z.string().trim().min(1)
const text = z.string().trim().min(1)
const facilityId = id.optional()
// Plausible adult weight range for dosing; outside it the value is almost surely a typo.
const weightKg = z.number().min(20).max(300)
// No fibrinolytic bolus exceeds 100 mg (alteplase total); larger means a unit error.
const doseMg = z.number().positive().max(100)
const doseFraction = z.enum(['full', 'half'])

// Keys of either list; which ones must be answered depends on the network's list, so
// completeness is checked by the guard (transition-guards.ts), not here.
const answerShape: Record<string, z.ZodOptional<z.ZodBoolean>> = {}
for (const key of ALL_CHECKLIST_KEYS) answerShape[key] = z.boolean().optional()

/** The override an authorised physician gives to record a blocked clinical move (docs/clinical-rules.md). */
export const overrideSchema = z.strictObject({ reason: text })

const empty = z.strictObject({ facilityId })

/** One strict zod schema per clinical event type; `Record` keeps the map exhaustive. */
export const PAYLOAD_SCHEMAS: Record<ClinicalEventType, z.ZodType<Record<string, unknown>>> = {
  symptom_onset: z.strictObject({ facilityId, approximate: z.boolean().optional() }),
  first_medical_contact: z.strictObject({ facilityId: id, arrivalMode: z.enum(ARRIVAL_MODES).optional() }),
  arrived: z.strictObject({
    facilityId: id,
    bypassedEd: z.boolean().optional(),
    bypassedCcu: z.boolean().optional(),
  }),
  ecg_acquired: z.strictObject({ facilityId, attachmentId: id.optional() }),
  ecg_transmitted: z.strictObject({ facilityId, attachmentId: id.optional(), via: z.enum(TRANSMISSION_VIA) }),
  // `via`: the channel the acknowledgement came through (workflows/core/ladder.ts), shown to all.
  consult_acknowledged: z.strictObject({ facilityId, via: z.enum(ACK_VIA).optional() }),
  diagnosis: z
    .strictObject({
      facilityId,
      diagnosis: z.enum(DIAGNOSES),
      stemiEquivalent: z.enum(STEMI_EQUIVALENTS).optional(),
    })
    .refine((d) => d.stemiEquivalent === undefined || d.diagnosis === 'stemi', {
      path: ['stemiEquivalent'],
      message: 'A STEMI-equivalent pattern qualifies a STEMI read only',
    }),
  strategy: z
    .strictObject({
      facilityId,
      strategy: z.enum(STRATEGIES),
      reason: text.optional(),
      advice: z.enum(ADVICE_KINDS).optional(),
    })
    // docs/clinical-rules.md: conservative management is recorded "with reason".
    .refine((s) => s.strategy !== 'conservative' || s.reason !== undefined, {
      path: ['reason'],
      message: 'A reason is required for conservative management',
    }),
  lysis_checklist: z.strictObject({
    facilityId,
    answers: z.strictObject(answerShape),
    weightKg,
    drug: text,
    doseMg,
    doseFraction,
    // Accepted for client convenience but ignored: the server derives the screening result.
    result: z.enum(['suitable', 'unsuitable']).optional(),
  }),
  consent_started: empty,
  consent_signed: empty,
  lysis_decision: z
    .strictObject({ facilityId, decision: z.enum(['approved', 'declined']), reason: text.optional() })
    // A cardiologist who declines must say why.
    .refine((d) => d.decision !== 'declined' || d.reason !== undefined, {
      path: ['reason'],
      message: 'A reason is required to decline lysis',
    }),
  lysis_bolus: z.strictObject({ facilityId, drug: text, doseMg, doseFraction }),
  lysis_end: empty,
  // Instability and re-occlusion are signs of failed lysis (docs/clinical-rules.md, "Lysis failure").
  reperfusion_assessment: z.strictObject({
    facilityId,
    stResolution: z.boolean(),
    painRelief: z.boolean(),
    haemodynamicInstability: z.boolean().optional(),
    reocclusion: z.boolean().optional(),
  }),
  transfer_decided: z.strictObject({ facilityId, toFacilityId: id }),
  departed: z.strictObject({ facilityId: id, toFacilityId: id }),
  cath_lab_activated: z.strictObject({ facilityId, reason: text.optional() }),
  cath_lab_ready: empty,
  wire_crossed: empty,
  outcome: z.strictObject({ facilityId, outcome: z.enum(OUTCOMES), reason: text.optional() }),
  correction: z.strictObject({
    eventId: id,
    changes: z
      .record(z.string(), z.unknown())
      .refine((c) => Object.keys(c).length > 0, { message: 'A correction must change at least one field' }),
    reason: text,
  }),
  note: z.strictObject({ facilityId, text: z.string().trim().min(1).max(4000) }),
  alert_acknowledged: z.strictObject({ alertKey: id, via: z.enum(ACK_VIA).optional() }),
  // What the physician observes at the bedside; each field optional, at least one given
  // (docs/clinical-rules.md, "Clinical status").
  medication_given: z
    .strictObject({
      facilityId,
      drug: z.enum(COTHERAPY_DRUGS),
      doseMg: z.number().positive().max(1000).optional(),
      units: z.number().positive().max(100_000).optional(),
      route: z.enum(ROUTES),
    })
    .refine((m) => (m.doseMg === undefined) !== (m.units === undefined), {
      path: ['doseMg'],
      message: 'Give the dose in mg or in units (one of them)',
    }),
  complication: z.strictObject({ facilityId, complication: z.enum(COMPLICATIONS), note: text.optional() }),
  clinical_status: z
    .strictObject({
      facilityId,
      ongoingIschaemia: z.boolean().optional(),
      haemodynamicInstability: z.boolean().optional(),
      cardiogenicShock: z.boolean().optional(),
      cardiacArrest: z.boolean().optional(),
      killipClass: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]).optional(),
      reocclusion: z.boolean().optional(),
    })
    .refine((c) => Object.keys(c).some((k) => k !== 'facilityId'), {
      message: 'Record at least one observation',
    }),
  // ambulance tier: 120 dispatch time points; leaving the scene names the destination
  ems_call: empty,
  ems_dispatched: empty,
  ems_departed: empty,
  ems_on_scene: empty,
  ems_left_scene: z.strictObject({ facilityId, toFacilityId: id }),
}
