/** Small shared validators of the HTTP edge: path ids, optional JSON bodies, common fields. */
import type { Context } from 'hono'
import { z } from 'zod'
import { problem } from '../../workflows/core/problem.ts'
import { fromZod } from './errors.ts'

export const Uuid = z.uuid()
export const Minutes = z.number().int().min(1).max(1439)
export const Username = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9._-]{2,64}$/, '2–64 of a-z 0-9 . _ -')
export const Force = z.boolean().optional().default(false)

/** The uuid path parameter `name`; a malformed id cannot be the caller's: same 404 as a foreign one. */
export const idParam = (c: Context, name = 'id'): string => {
  const id = c.req.param(name) ?? ''
  if (!Uuid.safeParse(id).success) throw problem('not_found')
  return id
}

/** Like readJson, but an empty body counts as `{}` (action endpoints such as deactivate). */
export async function readOptionalJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const text = await c.req.text()
  let body: unknown = {}
  if (text.trim()) {
    try {
      body = JSON.parse(text)
    } catch {
      throw problem('bad_json')
    }
  }
  const r = schema.safeParse(body)
  if (!r.success) throw fromZod(r.error)
  return r.data
}
