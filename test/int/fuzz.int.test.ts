import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { testEnv, type TestEnv } from '../harness.ts'

/**
 * Property-based fuzzing of every write endpoint the app declares in its own OpenAPI document
 * (GET /api/openapi.json): hostile values (NUL, lone surrogates, huge and non-finite numbers,
 * deep nesting, wrong types, impossible dates) in each declared field and as whole bodies, sent
 * as an authorised user. Properties: never a 5xx, and a refused request changes nothing.
 * Bounded: a fixed seed and a fixed number of runs per endpoint.
 */
const SEED = 20261201
const RUNS_PER_ENDPOINT = 30

let t: TestEnv
let caseId: string
beforeAll(async () => {
  t = await testEnv()
  caseId = randomUUID()
  const r = await t.call('POST', '/api/cases', {
    token: await t.login('lantian'),
    body: {
      id: caseId,
      facilityId: demoId('facility:lantian'),
      patient: { sex: 'female', age: 66 },
      firstMedicalContactAt: new Date(Date.now() - 60_000).toISOString(),
    },
  })
  expect(r.status).toBe(201)
})
afterAll(async () => t.close())

// Tables any write could touch; a refused request must leave every count as it was.
const TABLES = [
  'cases',
  'case_events',
  'audit_log',
  'users',
  'user_roles',
  'facilities',
  'travel_times',
  'rota_slots',
  'rota_templates',
  'push_subscriptions',
  'attachments',
  'alerts',
  'user_codes',
  'audit_samples',
  'audit_abstractions',
  'app_settings',
  'qa_network_grants',
] as const

/** Every table's row count in one round trip (the table names are the constants above). */
async function counts(): Promise<Record<string, number>> {
  const [row] = await t.sql.unsafe<Record<string, number>[]>(
    `select ${TABLES.map((table) => `(select count(*)::int from ${table}) as ${table}`).join(', ')}`,
  )
  return row!
}

const hostileString = fc.oneof(
  fc.constantFrom(
    'a\u0000b',
    '\u0000',
    'x\uD800',
    '\uDFFFy',
    '',
    ' ',
    '2026-02-30T10:00:00+08:00',
    '0000-01-01T00:00:00Z',
    '1900-01-01T00:00:00+08:00',
    '9999-12-31T23:59:59Z',
    'not-a-uuid',
    "'; drop table cases; --",
    '=HYPERLINK("http://evil.example")',
    '../../etc/passwd',
    'x'.repeat(10_000),
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
)
const hostileNumber = fc.oneof(
  fc.constantFrom(1e308, -1e308, 2 ** 63, -(2 ** 63), Number.MAX_SAFE_INTEGER + 2, -1, 0, 1.5),
  fc.double(),
  fc.integer(),
)
const deep = fc.integer({ min: 40, max: 3_000 }).map((n) => {
  let v: unknown = 'x'
  for (let i = 0; i < n; i++) v = i % 2 ? [v] : { a: v }
  return v
})
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  hostileNumber,
  fc.constantFrom(null, true, false, [], {}, [null], { '\u0000': 1 }),
  deep,
  fc.jsonValue({ maxDepth: 3 }),
)

interface Operation {
  method: string
  path: string
  fields: string[]
}

/** Who may call it: the fuzz must get past authorisation to reach validation. */
function userFor(path: string): string {
  if (path.startsWith('/api/admin')) return 'admin'
  if (path.startsWith('/api/qa')) return 'qa'
  if (path.startsWith('/api/push/readiness')) return 'admin'
  if (path.includes('/events') || path.includes('/attachments')) return 'dr.chen'
  return 'dr.chen'
}

// Ending our own session would only test 401s from then on.
const SKIP = new Set(['POST /api/auth/logout'])

it('every write endpoint: hostile input never yields a 5xx, and a refused request changes nothing', async () => {
  const doc = (await (await t.app.request('/api/openapi.json')).json()) as {
    paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>>
  }
  const ops: Operation[] = []
  for (const [path, methods] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(methods)) {
      if (!['post', 'put', 'patch', 'delete'].includes(method)) continue
      if (SKIP.has(`${method.toUpperCase()} ${path}`)) continue
      const schema = op.requestBody?.content['application/json']?.schema
      ops.push({ method: method.toUpperCase(), path, fields: fieldNames(schema) })
    }
  expect(ops.length).toBeGreaterThan(20)

  let sent = 0
  const fiveHundreds: string[] = []
  let changedOnRefusal: string[] = []
  for (const op of ops) {
    const token = await t.login(userFor(op.path))
    const fieldArb =
      op.fields.length > 0
        ? fc.dictionary(fc.constantFrom(...op.fields), hostileValue, {
            minKeys: 1,
            maxKeys: op.fields.length,
          })
        : fc.dictionary(fc.string({ maxLength: 8 }), hostileValue, { maxKeys: 3 })
    const bodyArb = fc.oneof(
      { weight: 6, arbitrary: fieldArb.map((o) => ({ type: 'note', ...o })) },
      { weight: 3, arbitrary: fieldArb },
      { weight: 1, arbitrary: hostileValue },
    )
    const paramArb = fc.oneof(
      { weight: 6, arbitrary: fc.constant(caseId) },
      { weight: 2, arbitrary: fc.uuid() },
      { weight: 2, arbitrary: hostileString.map((s) => encodeURIComponent(s.slice(0, 60))) },
    )
    await fc
      .assert(
        fc.asyncProperty(bodyArb, paramArb, async (body, param) => {
          const url = op.path.replace(/\{\w+\}/g, param || 'x')
          const before = await counts()
          const r = await t.app.request(url, {
            method: op.method,
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          })
          sent++
          const text = await r.text()
          if (r.status >= 500)
            fiveHundreds.push(`${op.method} ${op.path} → ${r.status} ${text.slice(0, 120)}`)
          if (r.status >= 400) {
            const after = await counts()
            const diff = TABLES.filter((k) => after[k] !== before[k])
            if (diff.length) changedOnRefusal.push(`${op.method} ${op.path} ${r.status}: ${diff.join(',')}`)
          }
          return r.status < 500
        }),
        { numRuns: RUNS_PER_ENDPOINT, seed: SEED, endOnFailure: true },
      )
      .catch(() => undefined) // collected above, reported together below
  }
  changedOnRefusal = [...new Set(changedOnRefusal)]
  console.log(
    `fuzz: ${ops.length} write endpoints, ${sent} requests (seed ${SEED}), ${fiveHundreds.length} × 5xx, ` +
      `${changedOnRefusal.length} refused requests that changed state`,
  )
  expect(fiveHundreds).toEqual([])
  expect(changedOnRefusal).toEqual([])
}, 600_000)

/** Top-level property names of a JSON schema (objects, unions and intersections of them). */
function fieldNames(schema: unknown): string[] {
  const out = new Set<string>()
  const visit = (s: unknown, depth: number) => {
    if (!s || typeof s !== 'object' || depth > 4) return
    const o = s as {
      properties?: Record<string, unknown>
      anyOf?: unknown[]
      oneOf?: unknown[]
      allOf?: unknown[]
    }
    for (const k of Object.keys(o.properties ?? {})) out.add(k)
    for (const sub of [...(o.anyOf ?? []), ...(o.oneOf ?? []), ...(o.allOf ?? [])]) visit(sub, depth + 1)
  }
  visit(schema, 0)
  return [...out]
}
