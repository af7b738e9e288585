import type { ZodError } from 'zod'
import { problem, ProblemError, type ProblemCode, type ProblemStatus } from '../../workflows/core/problem.ts'

export { problem, ProblemError }

export const unauthorized = () => problem('unauthorized')
/** `_legacyMessage` is ignored (the text is the catalogue's); it goes with the ApiError shim below. */
export const forbidden = (_legacyMessage?: string) => problem('forbidden')
export const notFound = (what?: string) => problem('not_found', undefined, what ? { what } : undefined)

/**
 * Turn the first zod issue into a 422 `invalid` that names the field, e.g. `patient.age`; the
 * validator's own wording and code go into `params` (detail for developers, not the screen's text).
 */
export function fromZod(err: ZodError, prefix?: string): ProblemError {
  const issue = err.issues[0]
  const field = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join('.') || undefined
  return problem('invalid', field, { detail: issue?.message ?? 'invalid', issue: issue?.code ?? 'custom' })
}

/**
 * Transitional (do not use in new code): the admin, QA, alert, network, export and push routes still build
 * their errors with it until they move to runtime modules. It is a `ProblemError`: the code picks
 * the catalogue text (`problem.<code>`), the English message given here is kept for logs only,
 * `details` become `params`. New code uses `problem(code, field?, params?)`.
 */
export class ApiError extends ProblemError {
  readonly status: ProblemStatus
  readonly code: string
  readonly field?: string
  constructor(
    status: number,
    code: string,
    readonly legacyMessage: string,
    field?: string,
    details?: Record<string, unknown>,
  ) {
    super({
      code: code as ProblemCode,
      status: status as ProblemStatus,
      ...(field !== undefined ? { field } : {}),
      ...(details !== undefined ? { params: details as ProblemError['problem']['params'] } : {}),
    })
    this.status = status as ProblemStatus
    this.code = code
    if (field !== undefined) this.field = field
    this.message = legacyMessage
  }
}

/** PostgreSQL SQLSTATE codes we react to (named constants). */
export const SQLSTATE = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  raiseException: 'P0001',
  invalidTextRepresentation: '22P02',
} as const
