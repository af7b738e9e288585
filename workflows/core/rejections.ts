/**
 * Rejections are data: the clinical guards of the core (workflows/core/transition-guards.ts)
 * return a `Problem` — a machine reason, the HTTP status the edge maps it to, the offending field
 * and message parameters. Their text lives in the message catalogue under `problem.<reason>`
 * (workflows/core/messages), never here.
 */
import type { Problem, ProblemParams } from './problem.ts'

export const REJECTIONS = {
  system_event: { status: 422 },
  case_closed: { status: 409 },
  at_in_future: { status: 422 },
  duplicate_time_point: { status: 409 },
  not_cardiologist: { status: 403 },
  already_decided: { status: 409 },
  facility_cannot_lyse: { status: 422 },
  lysis_declined: { status: 409 },
  absolute_contraindication: { status: 409 },
  wire_before_county_arrival: { status: 422 },
  unknown_event: { status: 422 },
  invalid_correction_target: { status: 422 },
  invalid_correction: { status: 422 },
  unknown_facility: { status: 422 },
  unknown_alert: { status: 422 },
  not_stemi: { status: 409 },
  aortic_dissection_read: { status: 409 },
  aortic_dissection_earlier_read: { status: 409 },
  dose_above_suggested: { status: 409 },
  onset_window: { status: 409 },
  checklist_incomplete: { status: 422 },
  consult_not_cardiologist: { status: 403 },
  activation_needs_reason: { status: 422 },
} as const satisfies Record<string, { status: 403 | 409 | 422 }>

export type RejectionReason = keyof typeof REJECTIONS

/** A refused move, as data: the core returns it, the runtime throws it as a `ProblemError`. */
export type Rejection = { ok: false; problem: Problem & { code: RejectionReason } }

/** Build the rejection for a reason, optionally naming the offending field and adding parameters. */
export function reject(reason: RejectionReason, field?: string, params?: ProblemParams): Rejection {
  const problem: Problem & { code: RejectionReason } = { code: reason, status: REJECTIONS[reason].status }
  if (field !== undefined) problem.field = field
  if (params !== undefined) problem.params = params
  return { ok: false, problem }
}
