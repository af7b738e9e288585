/**
 * Parsing of an event body posted by a client (docs/clinical-rules.md and README.md): `{id, type, at, ...payload,
 * override?}`. Used by the HTTP edge; the core trusts what this returns.
 */
import type { z } from 'zod'
import { isClinicalEventType, isSystemEventType, type ClinicalEventType } from './event-types.ts'
import { overrideSchema, PAYLOAD_SCHEMAS } from './event-payloads.ts'
import { parseInstant, type Instant } from './time.ts'

export interface ParsedEventInput {
  id: string
  type: ClinicalEventType
  at: Instant
  /** The payload fields, plus `override` when present. */
  data: Record<string, unknown>
}

export type ParseResult =
  { ok: true; value: ParsedEventInput } | { ok: false; field: string; message: string }

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
// Envelope keys that are not payload; `by` is tolerated but ignored (docs/clinical-rules.md: never from the body).
const ENVELOPE = new Set(['id', 'type', 'at', 'by', 'override'])

const fail = (field: string, message: string): ParseResult => ({ ok: false, field, message })

/** The dotted path of the first zod issue, e.g. "answers.pregnancy", or the unknown key's name. */
export function issueField(error: z.ZodError, prefix = ''): { field: string; message: string } {
  const issue = error.issues[0]
  if (!issue) return { field: prefix || 'body', message: 'Invalid input' }
  const path = issue.path.map(String)
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path.push(issue.keys[0])
  const joined = [prefix, ...path].filter((p) => p !== '').join('.')
  return { field: joined || 'body', message: issue.message }
}

/**
 * Validate a client event body: a UUID `id`, a clinical `type` (system types are refused:
 * only the server records them), `at` as ISO 8601 with offset, the type's payload fields
 * (strict, per docs/clinical-rules.md) and an optional `override: {reason}`. On failure, `field` names the
 * offending field path.
 */
export function parseEventInput(body: unknown): ParseResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return fail('body', 'Expected a JSON object')
  const b = body as Record<string, unknown>
  if (typeof b.id !== 'string' || !GUID.test(b.id)) return fail('id', 'Expected a UUID')
  if (typeof b.type !== 'string') return fail('type', 'Expected an event type')
  if (isSystemEventType(b.type)) return fail('type', 'System events are recorded by the server only')
  if (!isClinicalEventType(b.type)) return fail('type', `Unknown event type "${b.type}"`)
  if (typeof b.at !== 'string') return fail('at', 'Expected an ISO 8601 time with offset')
  const at = parseInstant(b.at)
  if (at === null) return fail('at', 'Expected an ISO 8601 time with offset, e.g. 2022-11-26T13:09:00+08:00')

  const payload: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(b)) if (!ENVELOPE.has(k)) payload[k] = v
  const parsed = PAYLOAD_SCHEMAS[b.type].safeParse(payload)
  if (!parsed.success) {
    const { field, message } = issueField(parsed.error)
    return fail(field, message)
  }
  const data: Record<string, unknown> = { ...parsed.data }

  if (b.type === 'correction') {
    const changes = data.changes as Record<string, unknown>
    if ('at' in changes && (typeof changes.at !== 'string' || parseInstant(changes.at) === null))
      return fail('changes.at', 'Expected an ISO 8601 time with offset')
  }
  if (b.override !== undefined) {
    const o = overrideSchema.safeParse(b.override)
    if (!o.success) {
      const { field, message } = issueField(o.error, 'override')
      return fail(field, message)
    }
    data.override = o.data
  }
  return { ok: true, value: { id: b.id, type: b.type, at, data } }
}
