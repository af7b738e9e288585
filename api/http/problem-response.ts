import { HTTPException } from 'hono/http-exception'
import { problemOf, ProblemError, type Problem, type ProblemCode } from '../../workflows/core/problem.ts'
import { render, scalarParams } from '../../workflows/core/messages/index.ts'

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

/** `{error:{code, message, messageZh, field?, params?}}`, both texts from the catalogue. */
export function problemBody(p: Problem): ProblemBody {
  // Every ProblemCode has its catalogue key (a type check in workflows/core/messages/keys.ts).
  // Placeholders take scalars only; structured detail (lists, objects) stays in `params`.
  const key = `problem.${p.code}` as const
  const params = scalarParams(p.params)
  const body: ProblemBody = {
    error: { code: p.code, message: render('en', key, params), messageZh: render('zh-CN', key, params) },
  }
  if (p.field !== undefined) body.error.field = p.field
  if (p.params !== undefined) body.error.params = p.params
  return body
}

/**
 * The HTTPExceptions hono's own middleware throws: body-limit without an onError (413), the
 * validator's malformed JSON (400), csrf / ip-restriction (403), basic / bearer auth (401).
 * Xinlian's guards raise problems themselves, so this only keeps a middleware added later from
 * turning into a 500; any other status is unexpected.
 */
const HTTP_CODES: Partial<Record<number, ProblemCode>> = {
  400: 'bad_json',
  401: 'unauthorized',
  403: 'forbidden',
  413: 'too_large',
}

/** The problem an error stands for, or null when it is unexpected (a 500). */
export function toProblem(err: unknown): Problem | null {
  // Structured detail (the rota gaps, the import report) travels in params, beside the code.
  if (err instanceof ProblemError) return err.problem
  if (err instanceof HTTPException) {
    const code = HTTP_CODES[err.status]
    return code ? problemOf(code) : null
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
