/**
 * The declared contract against the live app: every GET operation of the OpenAPI document is
 * called (real ids in its path, as a role that may call it) and its JSON answer validated against
 * the response schema *of the generated document* (JSON Schema 2020-12, by ajv — not by the zod
 * schema it came from, so the document itself is what is tested). Output schemas of zod objects
 * forbid unknown properties, so a renamed or extra field fails as surely as a missing one.
 * Non-JSON answers (CSV, ECG file, SSE, FHIR, WeCom echo) are checked by content type.
 */
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildOpenApi, OPERATIONS } from '../../api/openapi.ts'
import { demoId } from '../../fixtures/demo-network.ts'
import { SECOND_NETWORK_ID } from '../../fixtures/seed-demo.ts'
import { configureChannels, CHANNEL_ENV, WECOM_SETTINGS, wecomCallback } from '../channel-support.ts'
import { testEnv, type TestEnv } from '../harness.ts'
import { fakeDevice, JPEG, PUSH_ENV, subscribe, upload } from '../push-support.ts'
import { loadScenario, replayOverHttp } from '../scenarios.ts'

let t: TestEnv
const ids: Record<string, string> = {}
const doc = buildOpenApi()
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false })

beforeAll(async () => {
  t = await testEnv({ env: { ...CHANNEL_ENV, ...PUSH_ENV }, workers: false })
  await configureChannels(t)
  const admin = await t.login('admin')
  const qa = await t.login('qa')
  // A case with most of the protocol behind it (ECG sent, consult answered, lysis, transfer):
  // the anxi scenario up to the departure, so the incoming board and the consult inbox list it.
  const s = loadScenario('anxi')
  const upTo = s.case.events.findIndex((e) => e.type === 'departed')
  ids.case = (
    await replayOverHttp(t, { ...s, case: { ...s.case, events: s.case.events.slice(0, upTo + 1) } })
  ).caseId
  ids.attachment = (await ok(await upload(t, 'lantian', ids.case, JPEG()), 201)).id
  ids.facility = demoId('facility:lantian')
  ids.user = demoId('user:lantian')
  ids.network = (
    await t.sql<{ id: string }[]>`select network_id as id from users where id = ${ids.user}`
  )[0]!.id
  // Province QA: the second network's admin granted the demo QA its aggregates (migration 0018).
  await t.sql`insert into qa_network_grants (user_id, network_id, granted_by)
              values (${demoId('user:qa')}, ${SECOND_NETWORK_ID}, ${demoId('user:admin2')})`
  // And the demo admin granted the second network's QA this network's (GET /api/admin/qa-grants).
  await ok(await t.call('POST', '/api/admin/qa-grants', { token: admin, body: { username: 'qa2' } }), 201)
  await subscribe(t, 'dr.chen', fakeDevice())
  await ok(
    await t.call('PUT', '/api/admin/platform', {
      token: admin,
      body: { facilityId: demoId('facility:county'), appId: 'app-1', secretKey: 'platform-secret-1' },
    }),
  )
  await ok(
    await t.call('PUT', '/api/admin/rota/template', {
      token: admin,
      body: {
        entries: [{ weekday: 1, startHour: 8, endHour: 20, line: 'first', userId: demoId('user:dr.chen') }],
      },
    }),
  )
  const month = (
    await t.sql<{ m: string }[]>`select to_char(month, 'YYYY-MM') as m
                 from case_metrics where case_id = ${ids.case}`
  )[0]!.m
  ids.sample = (
    await ok(
      await t.call('POST', '/api/qa/audit-samples', {
        token: qa,
        body: { month, perFacility: 5, seed: 'openapi' },
      }),
      201,
    )
  ).id
  const sampled = (await ok(await t.call('GET', `/api/qa/audit-samples/${ids.sample}`, { token: qa })))
    .cases[0]
  await ok(
    await t.call('POST', `/api/qa/audit-samples/${ids.sample}/abstractions`, {
      token: qa,
      body: { caseId: sampled.caseId, timePoint: 'fmc', paperValue: null },
    }),
    201,
  )
})
afterAll(async () => t?.close())

const ok = async (r: Response, status = 200) => {
  if (r.status !== status) throw new Error(`${r.status} ${await r.text()}`)
  return (await r.json()) as Record<string, any>
}

/** The JSON answer `r` of `method path` (declared form) conforms to the document's schema for its status. */
async function conforms(method: string, path: string, r: Response) {
  const text = await r.text()
  const responses = (doc.paths as Record<string, Record<string, any>>)[path.replace(/:(\w+)/g, '{$1}')]![
    method.toLowerCase()
  ].responses
  const declared = responses[String(r.status)]
  expect(declared, `${method} ${path} answered ${r.status} ${text.slice(0, 200)}`).toBeTruthy()
  const validate = ajv.compile(declared.content['application/json'].schema)
  const body: unknown = JSON.parse(text)
  expect(validate(body) ? [] : validate.errors, `${method} ${path}`).toEqual([])
  return body as Record<string, any>
}

interface Call {
  /** The operation's path as declared (`/api/cases/:id`). */
  path: string
  /** The URL called; the declared path when omitted. */
  url?: () => string
  as: string | null
}

const CALLS: Call[] = [
  { path: '/api/health', as: null },
  { path: '/api/openapi.json', as: null },
  { path: '/api/me', as: 'lantian' },
  { path: '/api/auth/mfa', as: 'lantian' },
  { path: '/api/auth/sessions', as: 'lantian' },
  { path: '/api/network', as: 'lantian' },
  { path: '/api/network/what-if', url: () => '/api/network/what-if?months=12&doorToWire=45', as: 'dr.chen' },
  { path: '/api/cases', url: () => '/api/cases?status=all', as: 'lantian' },
  { path: '/api/cases/:id', url: () => `/api/cases/${ids.case}`, as: 'lantian' },
  { path: '/api/cases/:id/replay', url: () => `/api/cases/${ids.case}/replay`, as: 'lantian' },
  { path: '/api/cases/:id/fhir', url: () => `/api/cases/${ids.case}/fhir`, as: 'dr.chen' },
  { path: '/api/cases/:id/notifications', url: () => `/api/cases/${ids.case}/notifications`, as: 'qa' },
  { path: '/api/cases/:id/registry', url: () => `/api/cases/${ids.case}/registry`, as: 'qa' },
  { path: '/api/cases/:id/registry/dry-run', url: () => `/api/cases/${ids.case}/registry/dry-run`, as: 'qa' },
  { path: '/api/attachments/:id', url: () => `/api/attachments/${ids.attachment}`, as: 'dr.chen' },
  { path: '/api/stream', as: 'dr.chen' },
  { path: '/api/metrics', as: 'qa' },
  { path: '/api/province/metrics', as: 'qa' },
  { path: '/api/delivery-problems', as: 'admin' },
  { path: '/api/cases/:id/record-number', url: () => `/api/cases/${ids.case}/record-number`, as: 'lantian' },
  {
    path: '/api/auth/wecom/:networkId/start',
    url: () => `/api/auth/wecom/${ids.network}/start?case=${ids.case}`,
    as: null,
  },
  // Without WeCom's redirect there is no state: the refusal page (a browser navigation, not JSON).
  { path: '/api/auth/wecom/callback', url: () => '/api/auth/wecom/callback?state=x&code=y', as: null },
  { path: '/api/export/cases.csv', as: 'qa' },
  { path: '/api/consults', url: () => '/api/consults?status=all', as: 'dr.chen' },
  { path: '/api/incoming', as: 'cathlab' },
  { path: '/api/push/public-key', as: null },
  { path: '/api/push/subscriptions', as: 'dr.chen' },
  { path: '/api/push/attempts', url: () => `/api/push/attempts?caseId=${ids.case}`, as: 'qa' },
  { path: '/api/push/readiness', as: 'admin' },
  { path: '/api/qa/cases', as: 'qa' },
  { path: '/api/qa/quality', as: 'qa' },
  { path: '/api/qa/cases/:id/timeline', url: () => `/api/qa/cases/${ids.case}/timeline`, as: 'qa' },
  { path: '/api/qa/access', as: 'qa' },
  { path: '/api/qa/audit-samples/:id', url: () => `/api/qa/audit-samples/${ids.sample}`, as: 'qa' },
  { path: '/api/security/policy', as: 'admin' },
  { path: '/api/admin/audit', as: 'qa' },
  { path: '/api/admin/channels', as: 'admin' },
  { path: '/api/admin/ladders', as: 'admin' },
  { path: '/api/admin/platform', as: 'admin' },
  { path: '/api/admin/readiness', as: 'admin' },
  { path: '/api/admin/facilities', as: 'admin' },
  { path: '/api/admin/facilities/:id', url: () => `/api/admin/facilities/${ids.facility}`, as: 'admin' },
  { path: '/api/admin/travel', as: 'admin' },
  { path: '/api/admin/users', as: 'admin' },
  { path: '/api/admin/users/:id', url: () => `/api/admin/users/${ids.user}`, as: 'admin' },
  { path: '/api/admin/qa-grants', as: 'admin' },
  { path: '/api/admin/rota', as: 'admin' },
  { path: '/api/admin/rota/gaps', url: () => '/api/admin/rota/gaps?days=14', as: 'admin' },
  { path: '/api/admin/rota/template', as: 'admin' },
  { path: '/api/admin/settings', as: 'admin' },
  {
    path: '/api/channels/wecom/:networkId/callback',
    url: () => {
      const cb = wecomCallback(WECOM_SETTINGS, { fromUser: 'x', taskId: 'x', eventKey: 'x' })
      const echostr = /<Encrypt><!\[CDATA\[(.+?)\]\]>/.exec(cb.body)![1]!
      return `/api/channels/wecom/${ids.network}/callback?${cb.query}&echostr=${encodeURIComponent(echostr)}`
    },
    as: null,
  },
]

const DUMP = process.env.OPENAPI_DUMP

describe('write answers match their declared response schemas', () => {
  it('cases, events, users, travel, settings, policy, platform, rota template, audit samples', async () => {
    const admin = await t.login('admin')
    const qa = await t.login('qa')
    const lantian = await t.login('lantian')
    const call = (method: string, url: string, token: string, body?: unknown) =>
      t.call(method, url, { token, body })
    const created = await conforms(
      'POST',
      '/api/cases',
      await call('POST', '/api/cases', lantian, {
        facilityId: ids.facility,
        patient: { sex: 'female', age: 61 },
        firstMedicalContactAt: new Date(Date.now() - 60_000).toISOString(),
      }),
    )
    await conforms(
      'POST',
      '/api/cases/:id/events',
      await call('POST', `/api/cases/${created.id}/events`, lantian, {
        id: randomUUID(),
        type: 'ecg_acquired',
        facilityId: ids.facility,
        at: new Date().toISOString(),
      }),
    )
    // The offline queue: a stored item and a refused one (the problem shape inside a result).
    const synced = await conforms(
      'POST',
      '/api/sync',
      await call('POST', '/api/sync', lantian, {
        items: [
          {
            kind: 'event',
            caseId: created.id,
            body: { id: randomUUID(), type: 'note', text: 'x', at: new Date().toISOString() },
          },
          { kind: 'event', caseId: created.id, body: { id: randomUUID(), type: 'teleport' } },
        ],
      }),
    )
    expect(synced.results.map((r: any) => r.outcome)).toEqual(['stored', 'refused'])
    await conforms('POST', '/api/cases/:id/attachments', await upload(t, 'lantian', created.id, JPEG()))
    const user = await conforms(
      'POST',
      '/api/admin/users',
      await call('POST', '/api/admin/users', admin, {
        username: 'openapi.user',
        displayName: 'OpenAPI 测试',
        roles: ['village_doctor'],
        facilityIds: [ids.facility],
      }),
    )
    const userUrl = `/api/admin/users/${user.user.id}`
    await conforms(
      'PATCH',
      '/api/admin/users/:id',
      await call('PATCH', userUrl, admin, { displayName: '改名' }),
    )
    await conforms(
      'POST',
      '/api/admin/users/:id/reset-password',
      await call('POST', `${userUrl}/reset-password`, admin),
    )
    await conforms(
      'POST',
      '/api/admin/users/:id/deactivate',
      await call('POST', `${userUrl}/deactivate`, admin),
    )
    await conforms(
      'POST',
      '/api/admin/users/:id/reactivate',
      await call('POST', `${userUrl}/reactivate`, admin),
    )
    const facilityUrl = `/api/admin/facilities/${ids.facility}`
    await conforms(
      'PATCH',
      '/api/admin/facilities/:id',
      await call('PATCH', facilityUrl, admin, { address: '蓝田乡' }),
    )
    await conforms(
      'PUT',
      '/api/admin/travel',
      await call('PUT', '/api/admin/travel', admin, {
        from: ids.facility,
        to: demoId('facility:county'),
        minutes: 40,
      }),
    )
    await conforms('PATCH', '/api/admin/settings', await call('PATCH', '/api/admin/settings', admin, {}))
    const policy = (await ok(await call('GET', '/api/security/policy', admin))).policy
    await conforms('PUT', '/api/security/policy', await call('PUT', '/api/security/policy', admin, policy))
    await conforms(
      'POST',
      '/api/admin/rota/template/materialise',
      await call('POST', '/api/admin/rota/template/materialise', admin, { weeks: 1, force: true }),
    )
    // Revoke the province QA grant of beforeAll and grant it again (the GETs below list it).
    await conforms(
      'DELETE',
      '/api/admin/qa-grants/:userId',
      await call('DELETE', `/api/admin/qa-grants/${demoId('user:qa2')}`, admin),
    )
    await conforms(
      'POST',
      '/api/admin/qa-grants',
      await call('POST', '/api/admin/qa-grants', admin, { username: 'qa2' }),
    )
    await conforms(
      'POST',
      '/api/qa/audit-samples',
      await call('POST', '/api/qa/audit-samples', qa, { month: '2024-01', perFacility: 1 }),
    )
    await conforms(
      'POST',
      '/api/cases/:id/registry/review',
      await call('POST', `/api/cases/${ids.case}/registry/review`, qa),
    )
  })
})

describe('every GET answers what the OpenAPI document declares', () => {
  it('calls every GET operation', () => {
    const declared = OPERATIONS.filter((o) => o.method === 'GET').map((o) => o.path)
    expect(CALLS.map((c) => c.path).sort()).toEqual([...declared].sort())
  })

  it.each(CALLS)('GET $path', async (call) => {
    const op = OPERATIONS.find((o) => o.method === 'GET' && o.path === call.path)!
    const url = call.url?.() ?? call.path
    const r = await t.call('GET', url, call.as ? { token: await t.login(call.as) } : {})
    const status = op.status ?? 200
    const contentType = r.headers.get('content-type') ?? ''
    if (status >= 300 && status < 400) {
      // A browser navigation: a redirect, or a refusal page in both languages (api/routes/wecom-oauth.ts).
      if (r.status === status) expect(r.headers.get('location')).toBeTruthy()
      else {
        expect(r.status).toBe(400)
        expect(contentType).toContain('text/html')
        expect(await r.text()).toContain('data-problem="wecom_sign_in_expired"')
      }
      return
    }
    if (r.status !== status) expect(`${r.status} ${await r.text()}`).toBe(String(status))
    const declared = (doc.paths as Record<string, Record<string, any>>)[call.path.replace(/:(\w+)/g, '{$1}')]!
      .get.responses[String(status)].content as Record<string, { schema: object }>
    const mediaType = contentType.split(';')[0]!
    expect(Object.keys(declared)).toContain(mediaType)
    const { schema } = declared[mediaType]!
    if (mediaType === 'text/event-stream') {
      await r.body?.cancel()
      return
    }
    if (!mediaType.includes('json')) {
      expect((await r.arrayBuffer()).byteLength).toBeGreaterThan(0)
      return
    }
    const body: unknown = await r.json()
    if (DUMP) fs.appendFileSync(DUMP, `${call.path}\n${JSON.stringify(body, null, 1)}\n\n`)
    const validate = ajv.compile(schema)
    const ok = validate(body)
    expect(ok ? [] : validate.errors).toEqual([])
  })
})
