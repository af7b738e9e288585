import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { ZodError } from 'zod'

/** The one error type of the HTTP edge. Serialised as `{error:{code,message,field?}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message)
  }
  toJSON() {
    return { error: { code: this.code, message: this.message, field: this.field, ...this.details } }
  }
}

export const unauthorized = (message = 'Sign in first / 请先登录') =>
  new ApiError(401, 'unauthorized', message)
export const forbidden = (message = 'Not allowed for your role / 无权限') =>
  new ApiError(403, 'forbidden', message)
export const notFound = (what = 'resource') => new ApiError(404, 'not_found', `${what} not found`)

/** Turn the first zod issue into a 422 that names the field, e.g. `patient.age`. */
export function fromZod(err: ZodError, prefix?: string): ApiError {
  const issue = err.issues[0]
  const field = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join('.') || undefined
  return new ApiError(422, 'invalid', `${field ?? 'body'}: ${issue?.message ?? 'invalid'}`, field)
}

/** PostgreSQL SQLSTATE codes we react to (house style: named constants). */
export const SQLSTATE = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  raiseException: 'P0001',
  invalidTextRepresentation: '22P02',
} as const
