import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { streamOnly } from '../../workflows/runtime/notifier.ts'
import { testEnv, type TestEnv } from '../harness.ts'

let t: TestEnv
beforeAll(async () => {
  t = await testEnv({ compose: { notifier: streamOnly } })
})
afterAll(async () => t.close())

describe('access trail', () => {
  it('records a case view once per person and device per ten minutes, not every live refresh', async () => {
    const token = await t.login('lantian')
    const caseId = crypto.randomUUID()
    const r = await t.call('POST', '/api/cases', {
      token,
      body: {
        id: caseId,
        facilityId: demoId('facility:lantian'),
        patient: { sex: 'male', age: 60 },
        firstMedicalContactAt: new Date().toISOString(),
        arrivalMode: 'walk_in',
      },
    })
    expect(r.status).toBe(201)
    const views = async () =>
      (
        await t.sql<{ n: number }[]>`select count(*)::int as n from audit_log
          where entity = 'case' and entity_id = ${caseId} and action = 'case.view'`
      )[0]!.n
    const view = (device: string) =>
      t.call('GET', `/api/cases/${caseId}`, { token, headers: { 'user-agent': device } })
    // The tablet re-reads the case on every live update: one view.
    for (let i = 0; i < 6; i++) expect((await view('Tablet A')).status).toBe(200)
    expect(await views()).toBe(1)
    // Another device of the same person is another view.
    await view('Phone B')
    expect(await views()).toBe(2)
    // A view older than the window does not hide the next read (the trail is append-only: the
    // old view is written back-dated rather than the clock moved).
    const [u] = await t.sql<{ id: string; networkId: string }[]>`
      select id, network_id as "networkId" from users where username = 'lantian'`
    const other = crypto.randomUUID()
    await t.call('POST', '/api/cases', {
      token,
      body: {
        id: other,
        facilityId: demoId('facility:lantian'),
        patient: { sex: 'female', age: 61 },
        firstMedicalContactAt: new Date().toISOString(),
        arrivalMode: 'walk_in',
      },
    })
    await t.sql`insert into audit_log (network_id, actor_id, action, entity, entity_id, device, at)
      values (${u!.networkId}, ${u!.id}, 'case.view', 'case', ${other}, 'Tablet A', now() - interval '11 minutes')`
    await t.call('GET', `/api/cases/${other}`, { token, headers: { 'user-agent': 'Tablet A' } })
    const [n] = await t.sql<{ n: number }[]>`select count(*)::int as n from audit_log
      where entity_id = ${other} and action = 'case.view'`
    expect(n!.n).toBe(2)
  })

  it('keeps the hospital record number given at start (optional), and names the field when it is too long', async () => {
    const token = await t.login('lantian')
    const body = (id: string, recordNumber: string) => ({
      id,
      facilityId: demoId('facility:lantian'),
      patient: { sex: 'male', age: 70, recordNumber },
      firstMedicalContactAt: new Date().toISOString(),
      arrivalMode: 'walk_in',
    })
    const id = crypto.randomUUID()
    expect((await t.call('POST', '/api/cases', { token, body: body(id, ' MZ-2026-000123 ') })).status).toBe(
      201,
    )
    const view = await (await t.call('GET', `/api/cases/${id}`, { token })).json()
    expect(view.patient.recordNumber).toBe('MZ-2026-000123')
    const bad = await t.call('POST', '/api/cases', { token, body: body(crypto.randomUUID(), 'x'.repeat(41)) })
    expect(bad.status).toBe(422)
    expect((await bad.json()).error.field).toBe('patient.recordNumber')
  })
})
