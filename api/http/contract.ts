/**
 * The typed HTTP contract: each route file declares its operations next to its handlers —
 * method, path, the zod schemas of the path parameters, query, body and response — and the
 * handlers validate with those same schemas (readJson / readQuery in ./validate.ts). api/openapi.ts
 * only assembles these declarations; api/openapi.test.ts fails when a registered route has no
 * operation here, or an operation no route.
 */
import { z } from 'zod'
import { Uuid } from './params.ts'

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export interface Operation {
  method: Method
  /** The full path as Hono registers it, e.g. `/api/cases/:id`. */
  path: string
  summary: string
  /** Roles allowed ('any' = any signed-in user, 'public' = no sign-in). */
  roles: string
  /** Path parameters (every `:name` of the path). */
  params?: z.ZodObject
  query?: z.ZodObject
  /** A JSON request body, as the handler validates it. */
  body?: z.ZodType
  /** A JSON body that may be left out entirely (readOptionalJson: an empty body counts as `{}`). */
  bodyOptional?: boolean
  /** A non-JSON request body (multipart upload, a vendor's XML). */
  bodyContent?: { type: string; schema: z.ZodType }
  /** The success status (200 unless said). */
  status?: number
  /** The JSON body of the success response. */
  response?: z.ZodType
  /** A non-JSON success response: its content type (`text/csv`, `text/event-stream`, …). */
  produces?: string | string[]
  /** Schema of a non-JSON response when there is one (a FHIR Bundle is JSON of another media type). */
  producesSchema?: z.ZodType
}

/** Identity, for inference and one place to grep: `op({...})`. */
export const op = (o: Operation): Operation => o

/** Path parameters that are uuids (a malformed one answers 404, like a foreign one: params.ts). */
export const uuidParams = <K extends string>(...names: K[]) =>
  z.object(Object.fromEntries(names.map((n) => [n, Uuid])) as Record<K, typeof Uuid>)

/** ISO 8601 instants on the wire (workflows/views/time.ts iso()). */
export const IsoTime = z.string().describe('ISO 8601 instant')
export const IsoTimeOrNull = IsoTime.nullable()

/** `{ok: true}` — the answer of many commands. */
export const Ok = z.object({ ok: z.literal(true) })

/** The one error body (api/http/problem-body.ts). */
export const ProblemBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    messageZh: z.string(),
    field: z.string().optional(),
    params: z.record(z.string(), z.unknown()).optional(),
  }),
})
