/**
 * The keys every catalogue must hold, derived from the core's own lists: a new problem code,
 * event type, rule, metric, quality flag, drug or reason without its message is a type error in
 * zh-CN.ts (and en.ts shares zh-CN's keys), so nothing reaches a screen as a raw identifier.
 */
import type { AnyChecklistKey } from '../checklist.ts'
import type { LysisDrug } from '../dosing.ts'
import type { ArrivalMode, Diagnosis, Strategy } from '../event-payloads.ts'
import type { EventType } from '../event-types.ts'
import type { EscalationReason } from '../fire.ts'
import type { MetricKey } from '../metric-keys.ts'
import type { Phase } from '../phase.ts'
import type { ProblemCode } from '../problem.ts'
import type { QualityFlagCode } from '../quality-flag.ts'
import type { FacilityLevel, Role } from '../roles.ts'
import type { RuleKey } from '../rule-keys.ts'

export type RequiredKey =
  | `problem.${ProblemCode}`
  | `ev.${EventType}`
  | `rule.${RuleKey}`
  | `metric.${MetricKey}`
  | `csv.metric.${MetricKey}`
  | `qflag.${QualityFlagCode}`
  | `drug.${LysisDrug}`
  | `reason.${EscalationReason}`
  | `phase.${Phase}`
  | `role.${Role}`
  | `level.${FacilityLevel}`
  | `ck.${AnyChecklistKey}`
  | `dx.${Diagnosis}`
  | `strategy.${Strategy}`
  | `arrival.${ArrivalMode}`
