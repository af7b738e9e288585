/**
 * The one problem type of Xinlian. Errors are data (a code, the HTTP status the edge maps it to,
 * the offending field and the parameters of its message); the text comes from the message
 * catalogue (`problem.<code>`, zh-CN and en), never from the code that raised it.
 *
 * `ProblemError` is the only throwable; the HTTP edge has one `onError` that turns it into
 * `{error:{code, message, messageZh, field?, params?}}`.
 */
import { REJECTIONS, type RejectionReason } from './rejections.ts'

export type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503

/** Codes raised outside the clinical guards (HTTP edge, runtime). Status per code. */
export const EDGE_PROBLEMS = {
  bad_json: 400,
  unauthorized: 401,
  bad_credentials: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported_media_type: 415,
  invalid: 422,
  too_many_requests: 429,
  unavailable: 503,
  // national platform reporting (docs/registry-platform.md)
  secret_key_missing: 409,
  not_pci_hospital: 422,
  registry_not_reviewed: 409,
  registry_already_reported: 409,
  platform_not_configured: 409,
  registry_incomplete: 422,
  // ambulance tier: positions are accepted only while the case is on the road
  not_in_transit: 409,
} as const satisfies Record<string, ProblemStatus>

export type EdgeProblemCode = keyof typeof EDGE_PROBLEMS
export type ProblemCode = EdgeProblemCode | RejectionReason

export type ProblemParams = Record<string, string | number>

export interface Problem {
  code: ProblemCode
  status: ProblemStatus
  field?: string
  params?: ProblemParams
}

export function statusOf(code: ProblemCode): ProblemStatus {
  return code in EDGE_PROBLEMS
    ? EDGE_PROBLEMS[code as EdgeProblemCode]
    : REJECTIONS[code as RejectionReason].status
}

/** Build a problem; `field` names the offending input (e.g. `patient.age`). */
export function problemOf(code: ProblemCode, field?: string, params?: ProblemParams): Problem {
  const p: Problem = { code, status: statusOf(code) }
  if (field !== undefined) p.field = field
  if (params !== undefined) p.params = params
  return p
}

/** The only throwable. Carries a `Problem`; `message` is for logs and never shown to users. */
export class ProblemError extends Error {
  readonly problem: Problem
  constructor(problem: Problem) {
    super(problem.field ? `${problem.code} (${problem.field})` : problem.code)
    this.problem = problem
  }
}

/** Throwable shorthand: `throw problem('not_found')`. */
export function problem(code: ProblemCode, field?: string, params?: ProblemParams): ProblemError {
  return new ProblemError(problemOf(code, field, params))
}
