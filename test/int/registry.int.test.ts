/**
 * Reporting to the national chest-pain-center platform, end to end through the real app, real
 * Postgres and the real pg-boss job, with the platform faked at the HTTP level (test/fakes/cpc-platform.ts,
 * which verifies the signature independently).
 */
import { randomUUID } from 'node:crypto'
import { setupServer } from 'msw/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { fakePlatform } from '../fakes/cpc-platform.ts'
import { testEnv, type TestEnv } from '../harness.ts'
import { loadScenario, replayOverHttp } from '../scenarios.ts'

const URL = 'https://cpc.platform.test/Services/v1.1/ChestPainCenter'
const SECRET = 'hospital-secret-0042'
const KEY = 'a'.repeat(32) + 'b'.repeat(32)
const COUNTY = demoId('facility:county')

async function until<T>(f: () => Promise<T>, ok: (t: T) => boolean): Promise<T> {
  for (let i = 0; ; i++) {
    const v = await f()
    if (ok(v) || i > 300) return v
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('national platform reporting', () => {
  let t: TestEnv
  const platform = fakePlatform(URL, { APP0042: SECRET })
  const server = setupServer(...platform.handlers)
  let caseId: string
  let qa: string

  beforeAll(async () => {
    server.listen({ onUnhandledRequest: 'bypass' })
    t = await testEnv({ env: { CPC_PLATFORM_URL: URL, XINLIAN_SECRET_KEY: KEY } })
    qa = await t.login('qa')
    caseId = (await replayOverHttp(t, loadScenario('anxi'))).caseId
  })
  afterAll(async () => {
    server.close()
    await t.close()
  })

  const status = async () => (await t.call('GET', `/api/cases/${caseId}/registry`, { token: qa })).json()

  it('stores the account without ever returning the secret', async () => {
    const admin = await t.login('admin')
    const r = await t.call('PUT', '/api/admin/platform', {
      token: admin,
      body: {
        facilityId: COUNTY,
        appId: 'APP0042',
        secretKey: SECRET,
        hospitalCode: 'FJ-AX-001',
        region: { province: '福建省', city: '泉州市', county: '安溪县' },
      },
    })
    expect(r.status).toBe(200)
    const text = JSON.stringify(await (await t.call('GET', '/api/admin/platform', { token: admin })).json())
    expect(text).toContain('0042')
    expect(text).not.toContain(SECRET)
    const [row] = await t.sql`select secret_sealed from platform_credentials where facility_id = ${COUNTY}`
    expect(row!.secret_sealed).not.toContain(SECRET)
    const audit = await t.sql`select after::text as a from audit_log where action = 'platform.credentials'`
    expect(audit.map((x) => x.a).join()).not.toContain(SECRET)
  })

  it('refuses a township hospital as the reporting hospital and a bad body, naming the field', async () => {
    const admin = await t.login('admin')
    const r1 = await t.call('PUT', '/api/admin/platform', {
      token: admin,
      body: { facilityId: demoId('facility:lantian'), appId: 'X', secretKey: 'longenough' },
    })
    expect(r1.status).toBe(422)
    expect((await r1.json()).error.field).toBe('facilityId')
    const r2 = await t.call('PUT', '/api/admin/platform', {
      token: admin,
      body: { facilityId: COUNTY, appId: '' },
    })
    expect(r2.status).toBe(422)
    expect((await r2.json()).error.field).toBe('appId')
  })

  it('only QA of the network reports', async () => {
    expect(
      (await t.call('GET', `/api/cases/${caseId}/registry`, { token: await t.login('lantian') })).status,
    ).toBe(403)
    expect(
      (await t.call('POST', `/api/cases/${caseId}/registry/review`, { token: await t.login('qa2') })).status,
    ).toBe(404)
    expect(await status()).toMatchObject({ status: 'draft', registerId: null })
  })

  it('reports only after review, with a correctly signed body of five sections', async () => {
    const early = await t.call('POST', `/api/cases/${caseId}/registry/report`, { token: qa })
    expect(early.status).toBe(409)
    expect((await early.json()).error.code).toBe('registry_not_reviewed')
    expect((await t.call('POST', `/api/cases/${caseId}/registry/review`, { token: qa })).status).toBe(200)
    const dry = await (await t.call('GET', `/api/cases/${caseId}/registry/dry-run`, { token: qa })).json()
    expect(dry.missing).toEqual([])
    expect(platform.received).toHaveLength(0)
    const r = await t.call('POST', `/api/cases/${caseId}/registry/report`, { token: qa })
    expect(r.status).toBe(202)
    const s = await until(status, (x) => x.status === 'reported' || x.status === 'failed')
    expect(platform.refusals).toEqual([])
    expect(s).toMatchObject({ status: 'reported', registerId: 'CPC00000001' })
    expect(s.attempts).toEqual([expect.objectContaining({ resultCode: 200 })])
    expect(platform.received).toHaveLength(1)
    const { body, headers } = platform.received[0]!
    expect(headers.appid).toBe('APP0042')
    expect(Object.keys(body).sort()).toEqual(
      ['FirstAIDInfo', 'OutComeInfo', 'RegisterInfo', 'TreatmentInfo', 'TreatmentPciInfo'].sort(),
    )
    expect(body.RegisterInfo).toMatchObject({
      HOSPITAL_CODE: 'FJ-AX-001',
      PROVINCE: '福建省',
      REGISTER_ID: null,
    })
    expect(body.TreatmentInfo).toMatchObject({
      DIAGNOSIS: '1',
      THROMBOLYSIS_DRUG: '1',
      REPERFUSION_STRATEGY: '2',
    })
    expect(body.FirstAIDInfo!.TRANSFER_HOSPITAL_NAME).toBe('蓝田乡卫生院')
    expect(dry.body).toEqual(body)
  })

  it('the fake platform refuses a wrong signature (the check the tests rely on)', async () => {
    const { cpcHeaders } = await import('../../workflows/runtime/registry/cpc-client.ts')
    const headers = cpcHeaders({ appId: 'APP0042', secretKey: 'not-the-secret' }, new Date(), randomUUID())
    const r = await fetch(URL, { method: 'POST', headers, body: '{}' })
    expect(r.status).toBe(401)
    expect(platform.refusals.at(-1)).toBe('签名错误')
    platform.refusals.length = 0
  })

  it('a correction afterwards needs an update, which carries the REGISTER_ID', async () => {
    const events = (await (await t.call('GET', `/api/cases/${caseId}`, { token: qa })).json()).events as {
      id: string
      type: string
    }[]
    const arrival = events.filter((e) => e.type === 'arrived').at(-1)!
    const note = await t.call('POST', `/api/cases/${caseId}/events`, {
      token: await t.login('cathlab'),
      body: { id: randomUUID(), type: 'note', at: new Date().toISOString(), text: '家属已到' },
    })
    expect(note.status).toBe(201)
    expect((await status()).status).toBe('reported')
    const corr = await t.call('POST', `/api/cases/${caseId}/events`, {
      token: await t.login('cathlab'),
      body: {
        id: randomUUID(),
        type: 'correction',
        at: new Date().toISOString(),
        eventId: arrival.id,
        changes: { bypassedCcu: false },
        reason: '实际经CCU',
      },
    })
    expect(corr.status).toBe(201)
    expect((await status()).status).toBe('needs_update')
    expect((await t.call('POST', `/api/cases/${caseId}/registry/report`, { token: qa })).status).toBe(409)
    await t.call('POST', `/api/cases/${caseId}/registry/review`, { token: qa })
    expect((await t.call('POST', `/api/cases/${caseId}/registry/report`, { token: qa })).status).toBe(202)
    const s = await until(status, (x) => x.status === 'reported' && x.attempts.length === 2)
    expect(s).toMatchObject({ status: 'reported', registerId: 'CPC00000001' })
    expect(platform.received).toHaveLength(2)
    expect(platform.received[1]!.body.RegisterInfo!.REGISTER_ID).toBe('CPC00000001')
    expect(platform.received[1]!.body.FirstAIDInfo!.BYPASS_CCU).toBe('0')
  })
})
