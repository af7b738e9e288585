import type { ZodError } from 'zod'
import { problem, ProblemError } from '../../workflows/core/problem.ts'

export { problem, ProblemError }

export const unauthorized = () => problem('unauthorized')
export const forbidden = () => problem('forbidden')
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

/** PostgreSQL SQLSTATE codes we react to (named constants). */
export const SQLSTATE = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  raiseException: 'P0001',
  invalidTextRepresentation: '22P02',
} as const
