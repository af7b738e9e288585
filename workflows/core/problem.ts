/**
 * The one problem type of Xinlian. Errors are data (a code, the HTTP status the edge maps it to,
 * the offending field and the parameters of its message); the text comes from the message
 * catalogue (`problem.<code>`, zh-CN and en), never from the code that raised it.
 *
 * `ProblemError` is the only throwable; the HTTP edge has one `onError` that turns it into
 * `{error:{code, message, messageZh, field?, params?}}`.
 */
import { REJECTIONS, type RejectionReason } from './rejections.ts'

export type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 503

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
  cross_site: 403,
  push_endpoint_taken: 409,
  invalid: 422,
  too_many_requests: 429,
  unavailable: 503,
  internal: 500,
  bad_multipart: 400,
  unsupported_type: 422,
  too_many_attempts: 429,
  bad_code: 401,
  id_reused: 409,
  // Administration (api/routes/admin-*.ts, push, alerts, import).
  rota_gap: 422,
  last_admin: 422,
  inactive: 422,
  county_exists: 422,
  missing_county: 422,
  missing_travel_to_county: 422,
  lysis_without_drug: 422,
  regimen_required: 422,
  import_invalid: 422,
  endpoint_not_allowed: 422,
  not_acknowledgeable: 422,
  // national platform reporting (docs/registry-platform.md)
  secret_key_missing: 409,
  not_pci_hospital: 422,
  registry_not_reviewed: 409,
  registry_already_reported: 409,
  platform_not_configured: 409,
  registry_incomplete: 422,
  // Network administration, QA, alerts, push subscriptions (api/routes/admin-*.ts, qa, alerts, push).
  cath_lab_not_county: 422,
  village_no_lysis: 422,
  can_lyse_conflict: 422,
  regimen_without_drug: 422,
  county_level_fixed: 422,
  county_always_active: 422,
  same_facility: 422,
  not_in_network: 422,
  scope_required: 422,
  username_taken: 409,
  not_cardiologist: 422,
  ends_before_start: 422,
  slot_too_long: 422,
  range_too_long: 422,
  template_empty: 422,
  import_conflict: 409,
  import_empty: 422,
  import_bad_body: 400,
  csv_not_text: 422,
  csv_missing_columns: 422,
  csv_malformed: 422,
  consult_cardiologist_only: 403,
  period_order: 422,
  period_too_long: 422,
  attachment_not_of_case: 422,
  // alert channels (workflows/runtime/channels)
  channel_secret_key_missing: 503,
  channel_not_configured: 409,
  ladder_invalid: 422,
  // security controls (docs/security.md)
  mfa_invalid: 401,
  mfa_enrolled: 409,
  password_policy: 422,
  password_reused: 422,
  // ambulance tier: positions are accepted only while the case is on the road
  not_in_transit: 409,
  // township tablet: a village rescue point needs its travel time to a lysis-capable township
  missing_travel_to_township: 422,
  not_lysis_township: 422,
  // admin channels screen: a mobile number verified by an SMS code (docs/alert-channels.md)
  mobile_code_invalid: 422,
  // WeCom web authorization sign-in (api/routes/wecom-oauth.ts)
  wecom_sign_in_expired: 400,
  wecom_sign_in_refused: 403,
  // province QA read access granted by a network admin (api/routes/admin-qa-grants.ts)
  qa_grantee_unknown: 422,
  qa_grantee_own_network: 422,
  qa_grant_exists: 409,
} as const satisfies Record<string, ProblemStatus>

export type EdgeProblemCode = keyof typeof EDGE_PROBLEMS
export type ProblemCode = EdgeProblemCode | RejectionReason

/** Parameters of a problem's message, and machine-readable detail (e.g. the gaps of a rota). */
export type ProblemValue =
  string | number | boolean | null | readonly ProblemValue[] | { readonly [k: string]: ProblemValue }
export type ProblemParams = Readonly<Record<string, ProblemValue>>

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
