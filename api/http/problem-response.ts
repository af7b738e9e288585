import { HTTPException } from 'hono/http-exception'
import { problemOf, ProblemError, type Problem, type ProblemCode } from '../../workflows/core/problem.ts'
import { isMessageKey, render, type MessageParams } from '../../workflows/core/messages/index.ts'

/** What every error looks like on the wire. */
export interface ProblemBody {
  error: {
    code: string
    message: string
    messageZh: string
    field?: string
    params?: Problem['params']
  }
}

/** Placeholders take scalars only; structured detail (lists, objects) stays in `params`. */
function scalars(params: Problem['params']): MessageParams | undefined {
  if (!params) return undefined
  const out: MessageParams = {}
  for (const [k, v] of Object.entries(params)) if (typeof v === 'string' || typeof v === 'number') out[k] = v
  return out
}

/** `{error:{code, message, messageZh, field?, params?}}`, both texts from the catalogue. */
export function problemBody(p: Problem): ProblemBody {
  const key = `problem.${p.code}`
  // Every ProblemCode has its key (a type check in workflows/core/messages/keys.ts); a code from
  // the deprecated ApiError shim that has none falls back to the generic text of its status.
  const k = isMessageKey(key) ? key : (`problem.${p.status >= 500 ? 'internal' : 'invalid'}` as const)
  const params = scalars(p.params)
  const body: ProblemBody = {
    error: { code: p.code, message: render('en', k, params), messageZh: render('zh-CN', k, params) },
  }
  if (p.field !== undefined) body.error.field = p.field
  if (p.params !== undefined) body.error.params = p.params
  return body
}

/** Codes for the statuses hono's own middleware throws (body limit, etc.). */
const HTTP_CODES: Partial<Record<number, ProblemCode>> = {
  400: 'bad_json',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'too_large',
  415: 'unsupported_media_type',
  422: 'invalid',
  429: 'too_many_requests',
  503: 'unavailable',
}

/** The problem an error stands for, or null when it is unexpected (a 500). */
export function toProblem(err: unknown): Problem | null {
  // Structured detail (the rota gaps, the import report) travels in params, beside the code.
  if (err instanceof ProblemError) return err.problem
  if (err instanceof HTTPException) {
    const code = HTTP_CODES[err.status]
    return code ? { ...problemOf(code), status: problemOf(code).status } : null
  }
  return null
}

/** A log-safe description of an unexpected error: its class and code, never its message (it may quote data). */
export function errorName(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    return typeof code === 'string' ? `${err.name} ${code}` : err.name
  }
  return typeof err
}
