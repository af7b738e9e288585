/**
 * The transition (after xstate's `transition`): a new clinical event on
 * a case gives the next state and the effects to run, or a rejection. Nothing is executed here.
 */
import type { Actor, CaseEvent } from './case-model.ts'
import { diffTimers, type Effect, type Step } from './effects.ts'
import { fold, type CaseState } from './fold.ts'
import type { NetworkInfo } from './network.ts'
import { timersFor } from './timers.ts'
import { guard } from './transition-guards.ts'
import type { Instant } from './time.ts'

/**
 * Check and apply a new clinical event. Rejects invalid moves with a `Problem` (its text is the
 * catalogue's `problem.<code>`); a non-empty `data.override.reason` lets a blocked clinical move through
 * (recorded and flagged). Effects: the timer diff between before and after, plus the
 * notifications the event triggers (consult, read receipt, decision, cath lab call).
 * An event whose id is already stored is an idempotent replay: same state, no effects.
 */
export function step(
  state: CaseState,
  event: CaseEvent,
  actor: Actor,
  network: NetworkInfo,
  now: Instant,
): Step {
  if (state.events.some((e) => e.id === event.id)) return { ok: true, state, effects: [] }
  const rejection = guard(state, event, actor, network, now)
  if (rejection) return rejection
  const next = fold(state.info, [...state.events, event], network)
  const effects: Effect[] = [
    ...diffTimers(timersFor(state, network, now), timersFor(next, network, now)),
    ...notificationsFor(event),
  ]
  return { ok: true, state: next, effects }
}

/** The immediate notifications an event triggers (docs/clinical-rules.md and README.md). */
function notificationsFor(event: CaseEvent): Effect[] {
  const caseId = event.caseId
  switch (event.type) {
    case 'ecg_transmitted':
      return [{ kind: 'notify', audience: ['on_call_first_line'], template: 'consult', caseId }]
    case 'consult_acknowledged':
      return [{ kind: 'notify', audience: ['case_physician'], template: 'read_receipt', caseId }]
    case 'lysis_decision':
      return [{ kind: 'notify', audience: ['case_physician'], template: 'decision', caseId }]
    case 'cath_lab_activated':
      return [{ kind: 'notify', audience: ['cath_lab'], template: 'cath_lab_activated', caseId }]
    case 'symptom_onset':
    case 'first_medical_contact':
    case 'arrived':
    case 'ecg_acquired':
    case 'diagnosis':
    case 'strategy':
    case 'lysis_checklist':
    case 'consent_started':
    case 'consent_signed':
    case 'lysis_bolus':
    case 'lysis_end':
    case 'reperfusion_assessment':
    case 'transfer_decided':
    case 'departed':
    case 'cath_lab_ready':
    case 'wire_crossed':
    case 'outcome':
    case 'correction':
    case 'note':
    case 'alert_acknowledged':
    case 'clinical_status':
    case 'medication_given':
    case 'complication':
    case 'deadline_warning':
    case 'deadline_missed':
    case 'escalated':
    case 'alert_repeated':
    case 'ems_call':
    case 'ems_dispatched':
    case 'ems_departed':
    case 'ems_on_scene':
    case 'ems_left_scene':
      return []
  }
}
