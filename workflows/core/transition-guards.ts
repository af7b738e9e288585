/**
 * The invalid moves of docs/clinical-rules.md, checked before an event is stored. Emergency care is never
 * blocked for missing paperwork (a bolus without checklist is flagged, not refused); what is
 * refused is a move that contradicts the record (a bolus after a declined decision) unless the
 * physician states an override reason, which is then recorded and flagged.
 */
import type { Actor, CaseEvent } from './case-model.ts'
import { applyChanges, isCorrectable } from './corrections.ts'
import { checklistKeys } from './checklist.ts'
import { doseAboveSuggestion } from './dosing.ts'
import { issueField } from './event-input.ts'
import { onsetCheck } from './lysis-window.ts'
import { PAYLOAD_SCHEMAS } from './event-payloads.ts'
import { isClinicalEventType, isSystemEventType } from './event-types.ts'
import { fold, type CaseState } from './fold.ts'
import { facilityById, isPciCenter, type Facility, type NetworkInfo } from './network.ts'
import { reject, type Rejection } from './rejections.ts'
import { eventFacility } from './patient-location.ts'
import { minutes, parseInstant, type Instant } from './time.ts'
import { diagnosisGate } from './working-diagnosis.ts'

// Clock skew tolerated between a tablet and the server.
export const FUTURE_LIMIT = minutes(5)

/** True when the event carries `override: {reason}` with a non-empty reason. */
export function hasOverride(e: CaseEvent): boolean {
  const o = e.data.override
  if (typeof o !== 'object' || o === null) return false
  const reason = (o as Record<string, unknown>).reason
  return typeof reason === 'string' && reason.trim() !== ''
}

const knownFacility = (n: NetworkInfo, v: unknown): boolean =>
  typeof v === 'string' && facilityById(n, v) !== undefined

/**
 * Where a bolus may be given: a facility with fibrinolytics on hand, or an ambulance unit when
 * the network allows pre-hospital lysis (docs/ambulance.md); every other gate of the bolus
 * (declined decision, absolute contraindication, override) is the same in both places.
 */
export function lysisAllowedAt(network: NetworkInfo, facility: Facility | undefined): boolean {
  if (facility === undefined) return false
  if (facility.level === 'ambulance') return network.prehospitalLysis === true
  return facility.canLyse
}

/**
 * The rejection for `event` on `state`, or null when the move is allowed.
 * Order: system types, closed case, future time, then the type's own checks.
 */
export function guard(
  state: CaseState,
  event: CaseEvent,
  actor: Actor,
  network: NetworkInfo,
  now: Instant,
): Rejection | null {
  if (isSystemEventType(event.type)) return reject('system_event', 'type')
  if (state.closed && event.type !== 'note' && event.type !== 'correction') return reject('case_closed')
  if (event.at > now + FUTURE_LIMIT) return reject('at_in_future', 'at')
  if (event.type === 'correction') return guardCorrection(state, event, actor, network, now)
  return guardType(state, event, actor, network)
}

/**
 * The checks of the event's own type, shared by new events and by corrections (a corrected
 * event must pass the same guards as the event it amends: docs/clinical-rules.md, "Corrections").
 */
function guardType(state: CaseState, event: CaseEvent, actor: Actor, network: NetworkInfo): Rejection | null {
  const p = state.points
  const d = event.data
  const override = hasOverride(event)
  switch (event.type) {
    case 'first_medical_contact':
      if (p.fmc !== null) return reject('duplicate_time_point')
      return knownFacility(network, d.facilityId) ? null : reject('unknown_facility', 'facilityId')
    case 'arrived':
      return knownFacility(network, d.facilityId) ? null : reject('unknown_facility', 'facilityId')
    case 'departed':
      if (!knownFacility(network, d.facilityId)) return reject('unknown_facility', 'facilityId')
      return knownFacility(network, d.toFacilityId) ? null : reject('unknown_facility', 'toFacilityId')
    case 'transfer_decided':
      return knownFacility(network, d.toFacilityId) ? null : reject('unknown_facility', 'toFacilityId')
    case 'lysis_decision':
      if (!actor.roles.includes('cardiologist')) return reject('not_cardiologist')
      return p.decision !== null && !override ? reject('already_decided') : null
    case 'lysis_bolus': {
      if (p.bolus !== null) return reject('duplicate_time_point')
      const facility = facilityById(network, eventFacility(event, p.arrivals, p.startFacilityId))
      if (!lysisAllowedAt(network, facility)) return reject('facility_cannot_lyse', 'facilityId')
      return guardBolus(state, event, override)
    }
    case 'wire_crossed': {
      if (p.wire !== null) return reject('duplicate_time_point')
      const arrivedBefore = p.arrivals.some(
        (a) => a.at <= event.at && isPciCenter(facilityById(network, a.facilityId)),
      )
      return arrivedBefore || override ? null : reject('wire_before_county_arrival', 'at')
    }
    case 'correction':
      // Corrections are checked in guard() before the type checks; a correction of a correction
      // is refused there.
      return reject('invalid_correction_target', 'eventId')
    case 'alert_acknowledged': {
      const key = typeof d.alertKey === 'string' ? d.alertKey.replace(/:repeat:\d+$/, '') : ''
      return state.fired.includes(key) ? null : reject('unknown_alert', 'alertKey')
    }
    case 'lysis_checklist': {
      // Every item of the network's own list must be answered (docs/clinical-rules.md, "Checklists").
      const answers = (typeof d.answers === 'object' && d.answers !== null ? d.answers : {}) as Record<
        string,
        unknown
      >
      const missing = checklistKeys(network.checklist).find((k) => typeof answers[k] !== 'boolean')
      return missing === undefined ? null : reject('checklist_incomplete', `answers.${missing}`)
    }
    case 'consult_acknowledged':
      // Opening a consult silences its escalation and names the reader in the receipt: only a
      // cardiologist (of the case's network: the actor passed the case access check) may.
      return actor.roles.includes('cardiologist') ? null : reject('consult_not_cardiologist')
    case 'cath_lab_activated': {
      // The confirm step (docs/ambulance.md): full activation follows a STEMI read (on the
      // consult path the read is the cardiologist's) or a cardiologist; anyone else activating
      // before that states why ("activate now"), and the reason is kept for QA.
      if (actor.roles.includes('cardiologist') || override) return null
      if (p.diagnoses.at(-1)?.diagnosis === 'stemi') return null
      return typeof d.reason === 'string' && d.reason.trim() !== ''
        ? null
        : reject('activation_needs_reason', 'reason')
    }
    case 'ems_left_scene':
      return knownFacility(network, d.toFacilityId) ? null : reject('unknown_facility', 'toFacilityId')
    case 'ems_call':
    case 'ems_dispatched':
    case 'ems_departed':
    case 'ems_on_scene':
    case 'symptom_onset':
    case 'ecg_acquired':
    case 'ecg_transmitted':
    case 'diagnosis':
    case 'strategy':
    case 'consent_started':
    case 'consent_signed':
    case 'lysis_end':
    case 'reperfusion_assessment':
    case 'cath_lab_ready':
    case 'outcome':
    case 'note':
    case 'clinical_status':
    case 'medication_given':
    case 'complication':
      return null
    case 'deadline_warning':
    case 'deadline_missed':
    case 'escalated':
    case 'alert_repeated':
      return reject('system_event', 'type')
  }
}

/**
 * A correction must name a stored clinical event that is not itself a correction, and the
 * corrected event must still be valid for its type (payload of docs/clinical-rules.md) and not in the future.
 */
function guardCorrection(
  state: CaseState,
  event: CaseEvent,
  actor: Actor,
  network: NetworkInfo,
  now: Instant,
): Rejection | null {
  const targetId = event.data.eventId
  const changes = event.data.changes
  const target = state.events.find((e) => e.id === targetId)
  if (!target) return reject('unknown_event', 'eventId')
  // A correction amends a clinical event only (docs/clinical-rules.md); `isCorrectable` is the fold's rule.
  if (!isCorrectable(target) || !isClinicalEventType(target.type) || target.type === 'correction')
    return reject('invalid_correction_target', 'eventId')
  if (typeof changes !== 'object' || changes === null) return reject('invalid_correction', 'changes')
  const current = state.effective.find((e) => e.id === target.id) ?? target
  const ch = changes as Record<string, unknown>
  if ('at' in ch) {
    const at = typeof ch.at === 'string' ? parseInstant(ch.at) : null
    if (at === null) return reject('invalid_correction', 'changes.at')
    if (at > now + FUTURE_LIMIT) return reject('at_in_future', 'changes.at')
  }
  const corrected = applyChanges(current, ch)
  const { override: _override, ...payload } = corrected.data
  const parsed = PAYLOAD_SCHEMAS[target.type].safeParse(payload)
  if (!parsed.success) {
    const { field, message } = issueField(parsed.error, 'changes')
    return reject('invalid_correction', field, { detail: message })
  }
  // A correction is held to the same network rule as the event it amends: it cannot move an
  // arrival or a departure to a facility outside the case's network.
  for (const f of ['facilityId', 'toFacilityId'] as const)
    if (f in ch && !knownFacility(network, corrected.data[f]))
      return reject('unknown_facility', `changes.${f}`)
  // The corrected event, judged against the case as it would be without the original.
  const others = state.events.filter(
    (e) => e.id !== target.id && !(e.type === 'correction' && e.data.eventId === target.id),
  )
  const without = fold(state.info, others, network)
  return guardType(without, corrected, actor, network)
}

/**
 * The safety gates of a bolus (docs/clinical-rules.md, "Safety gates"), most dangerous first:
 * the working diagnosis (aortic dissection as the latest read is refused even with an override),
 * then, unless an override reason is given, a declined decision, an absolute contraindication,
 * a dose above the suggestion for weight and age, and symptom onset outside the window.
 */
function guardBolus(state: CaseState, event: CaseEvent, override: boolean): Rejection | null {
  const p = state.points
  const dx = diagnosisGate(p)
  if (dx !== null && !dx.overridable) return reject(dx.reason, 'override')
  if (override) return null
  if (dx !== null) return reject(dx.reason)
  if (p.decision?.decision === 'declined') return reject('lysis_declined')
  if (p.checklist !== null && p.checklist.absolute.length > 0)
    return reject('absolute_contraindication', undefined, { items: p.checklist.absolute })
  const onset = onsetCheck(p, event.at)
  if (onset !== null && !onset.within)
    return reject('onset_window', 'at', { hours: Math.round(onset.minutesSinceOnset / 6) / 10 })
  const drug = typeof event.data.drug === 'string' ? event.data.drug : null
  const doseMg = typeof event.data.doseMg === 'number' ? event.data.doseMg : null
  if (drug !== null && doseMg !== null) {
    const weight = p.checklist?.weightKg ?? state.info.patient.weightKg ?? null
    const above = doseAboveSuggestion(drug, doseMg, weight, state.info.patient.age)
    if (above) return reject('dose_above_suggested', 'doseMg', { doseMg, maxMg: above.maxMg })
  }
  return null
}
