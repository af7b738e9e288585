import type { Context } from 'hono'
import type { z } from 'zod'
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
