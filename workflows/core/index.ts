/** The pure clinical core of Xinlian: everything the runtime, the API and the PWA may use. */
export { minutes, hours, toMinutes, parseInstant } from './time.ts'
export type { Instant, Duration } from './time.ts'
export {
  FACILITY_LEVELS,
  ROLES,
  CLINICAL_ROLES,
  NETWORK_WIDE_ROLES,
  FACILITY_SCOPED_ROLES,
  PHYSICIAN_ROLES,
  hasAnyRole,
} from './roles.ts'
export { canSeeCase, caseScopeOf, isClinical, isNetworkWide } from './access.ts'
export type { Viewer, CaseScope } from './access.ts'
export type { FacilityLevel, Role } from './roles.ts'
export {
  CLINICAL_EVENT_TYPES,
  SYSTEM_EVENT_TYPES,
  EVENT_TYPES,
  isClinicalEventType,
  isSystemEventType,
} from './event-types.ts'
export type { EventType, ClinicalEventType, SystemEventType } from './event-types.ts'
export type { Bilingual, Patient, CaseInfo, Actor, CaseEvent } from './case-model.ts'
export { facilityById, isPciCenter, travelMinutes, nearestPciCenter } from './network.ts'
export type { Facility, NetworkInfo } from './network.ts'
export {
  ABSOLUTE_CONTRAINDICATIONS,
  RELATIVE_CONTRAINDICATIONS,
  CHECKLIST_KEYS,
  CHECKLISTS,
  checklistFor,
  checklistKeys,
  screenChecklist,
} from './checklist.ts'
export type {
  ChecklistKey,
  ChecklistScreening,
  AbsoluteContraindication,
  RelativeContraindication,
} from './checklist.ts'
export {
  tenecteplaseDose,
  recommendedDose,
  doseAboveSuggestion,
  LYSIS_DRUGS,
  REGIMEN_REQUIRED,
} from './dosing.ts'
export type { LysisDrug } from './dosing.ts'
export { cotherapyFor } from './cotherapy.ts'
export type { CotherapySuggestion } from './cotherapy.ts'
export { workingDiagnosis, isWorkingStemi } from './working-diagnosis.ts'
export type { DoseRecommendation } from './dosing.ts'
export {
  PAYLOAD_SCHEMAS,
  ARRIVAL_MODES,
  DIAGNOSES,
  STRATEGIES,
  ADVICE_KINDS,
  OUTCOMES,
  TRANSMISSION_VIA,
} from './event-payloads.ts'
export type { Diagnosis, Strategy, ArrivalMode, Outcome } from './event-payloads.ts'
export { parseEventInput } from './event-input.ts'
export type { ParsedEventInput, ParseResult } from './event-input.ts'
export { applyCorrections } from './corrections.ts'
export type { AppliedCorrection } from './corrections.ts'
export { derivePoints, doorIn } from './time-points.ts'
export type { TimePoints, Departure } from './time-points.ts'
export { facilityAt, eventFacility, startFacilityOf } from './patient-location.ts'
export type { Arrival } from './patient-location.ts'
export { PHASES, phaseOf } from './phase.ts'
export type { Phase } from './phase.ts'
export { QUALITY_FLAG_CODES } from './quality-flag.ts'
export type { QualityFlag, QualityFlagCode } from './quality-flag.ts'
export { METRIC_KEYS } from './metric-keys.ts'
export type { MetricKey } from './metric-keys.ts'
export { METRICS, metricsOf, withinTarget } from './metrics.ts'
export type { MetricDefinition, MetricTarget } from './metrics.ts'
export { fold } from './fold.ts'
export type { CaseState, FiredAlert } from './fold.ts'
export { RULE_KEYS, AUDIENCES } from './rule-keys.ts'
export type { RuleKey, Audience } from './rule-keys.ts'
export { RULES, ruleByKey } from './rules.ts'
export type { Rule, Escalation } from './rules.ts'
export { plan } from './deadlines.ts'
export type { Deadline } from './deadlines.ts'
export { timersFor, REPEAT_EVERY, REPEAT_FOR } from './timers.ts'
export type { TimerSpec } from './timers.ts'
export { REJECTIONS } from './rejections.ts'
export type { Rejection, RejectionReason } from './rejections.ts'
export { EDGE_PROBLEMS, ProblemError, problem, problemOf, statusOf } from './problem.ts'
export type {
  EdgeProblemCode,
  Problem,
  ProblemCode,
  ProblemParams,
  ProblemStatus,
  ProblemValue,
} from './problem.ts'
export type { Effect, Step, NotifyTemplate } from './effects.ts'
export { step } from './step.ts'
export { ESCALATION_REASONS, fire } from './fire.ts'
export type { EscalationReason } from './fire.ts'
export { adviseStrategy } from './strategy.ts'
export type { StrategyAdvice } from './strategy.ts'
export { registryRecord, METRIC_FACILITY } from './registry-record.ts'
export {
  dayStart,
  defaultQaPeriod,
  localDate,
  localDateTime,
  monthOf,
  monthStart,
  REGISTRY_TIME_ZONE,
  yearBefore,
} from './calendar.ts'
export type { RegistryRecord } from './registry-record.ts'
export {
  ACK_VIA,
  ALERT_KINDS,
  CHANNEL_KEYS,
  DEFAULT_LADDERS,
  LadderInput,
  alertKindOf,
  checkLadder,
  escalationChannels,
  escalationSteps,
  ladderAnchor,
  ladderFor,
  ladderStopped,
  ladderToInput,
  nextEscalationKey,
  ownSteps,
  stepDueAt,
} from './ladder.ts'
export type { AckVia, AlertKind, ChannelKey, Ladder, LadderStep, Ladders, LadderInputT } from './ladder.ts'
export { seconds } from './time.ts'
export { receiptLines, failureLine, clockTime } from './receipts.ts'
export type { ReceiptAttempt } from './receipts.ts'
// ambulance tier (docs/ambulance.md)
export { etaOf, haversineKm, currentTransit, openDeparture, MAX_USEFUL_ACCURACY_M } from './eta.ts'
export type { Eta, EtaSource, PositionFix } from './eta.ts'
export { isFalseActivation, falseActivationsByMonth } from './false-activation.ts'
export type { ActivationMonth } from './false-activation.ts'
export { lysisAllowedAt } from './transition-guards.ts'
export { FUTURE_LIMIT } from './transition-guards.ts'
