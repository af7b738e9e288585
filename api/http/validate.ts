import type { Context } from 'hono'
import { z } from 'zod'
import { parseInstant } from '../../workflows/core/time.ts'
import { fromZod, problem } from './errors.ts'

/** Parse and validate a JSON body: 400 when it is not JSON, 422 naming the field when it is wrong. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  let body: unknown
  try {
    body = await c.req.json()
  } catch {
    throw problem('bad_json')
  }
  const r = schema.safeParse(body)
  if (!r.success) throw fromZod(r.error)
  return r.data
}

/** Validate query parameters the same way. */
export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const r = schema.safeParse(c.req.query())
  if (!r.success) throw fromZod(r.error)
  return r.data
}

/** Clinical times may be entered ahead of the server clock by at most this (a tablet's skew). */
const AHEAD_MS = 24 * 3_600_000

/**
 * The shared zod primitives for times: ISO 8601 with offset, a real calendar date and clock time
 * (`2026-02-30` is refused, not rolled over), within 2000–2100 (workflows/core/time.ts
 * parseInstant); `clinicalInstant` also not more than a day ahead of now.
 */
export const instant = z
  .string()
  .refine(
    (s) => parseInstant(s) !== null,
    'Expected a real date and time with offset, e.g. 2026-02-28T13:09:00+08:00',
  )
export const clinicalInstant = instant.refine(
  (s) => (parseInstant(s) ?? 0) <= Date.now() + AHEAD_MS,
  'The time is in the future; please check it',
)
