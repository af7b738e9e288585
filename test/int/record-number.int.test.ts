/**
 * The record number (病案号/门诊号) is optional at start and editable later by the case's
 * clinicians and QA, with the old and new value in the audit trail (api/routes/record-number.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { testEnv, type TestEnv } from '../harness.ts'

const LANTIAN = demoId('facility:lantian')
let t: TestEnv
beforeAll(async () => {
  t = await testEnv()
})
afterAll(async () => t.close())

async function startCase(recordNumber?: string) {
  const id = crypto.randomUUID()
  const r = await t.call('POST', '/api/cases', {
    token: await t.login('lantian'),
    body: {
      id,
      facilityId: LANTIAN,
      patient: { sex: 'male', age: 58, ...(recordNumber ? { recordNumber } : {}) },
      firstMedicalContactAt: new Date(Date.now() - 60_000).toISOString(),
      arrivalMode: 'walk_in',
    },
  })
  expect(r.status).toBe(201)
  return id
}
const put = async (caseId: string, user: string, body: unknown) =>
  t.call('PUT', `/api/cases/${caseId}/record-number`, { token: await t.login(user), body })
const get = async (caseId: string, user: string) =>
  t.call('GET', `/api/cases/${caseId}/record-number`, { token: await t.login(user) })

describe('record number edits', () => {
  it('the physician adds it later, QA corrects it: the case shows the new value, the trail old → new', async () => {
    const caseId = await startCase()
    let r = await put(caseId, 'lantian', { recordNumber: ' MZ2026-001 ' })
    expect(r.status).toBe(200)
    expect((await r.json()).recordNumber).toBe('MZ2026-001')
    r = await put(caseId, 'qa', { recordNumber: 'ZY2026-777' })
    expect(r.status).toBe(200)
    const body = await r.json()
    expect(body.history.map((h: any) => [h.old, h.new, h.byName])).toEqual([
      [null, 'MZ2026-001', expect.stringContaining('蓝田')],
      ['MZ2026-001', 'ZY2026-777', expect.stringContaining('QA')],
    ])
    const view = await (
      await t.call('GET', `/api/cases/${caseId}`, { token: await t.login('lantian') })
    ).json()
    expect(view.patient.recordNumber).toBe('ZY2026-777')
    // Not a clinical event: the timeline is unchanged.
    expect(view.events.some((e: any) => String(e.type).includes('record'))).toBe(false)
    const rows = await t.sql<{ before: any; after: any }[]>`
      select before, after from audit_log where entity_id = ${caseId} and action = 'case.record_number' order by at`
    expect(rows.map((x) => [x.before.recordNumber, x.after.recordNumber])).toEqual([
      [null, 'MZ2026-001'],
      ['MZ2026-001', 'ZY2026-777'],
    ])
    // QA reads the change in the case's access trail and in the history.
    const tl = await (
      await t.call('GET', `/api/qa/cases/${caseId}/timeline`, { token: await t.login('qa') })
    ).json()
    expect(JSON.stringify(tl)).toContain('case.record_number')
    expect((await (await get(caseId, 'qa')).json()).history).toHaveLength(2)
  })

  it('the same value again writes no audit row; null clears it', async () => {
    const caseId = await startCase('MZ1')
    expect((await put(caseId, 'lantian', { recordNumber: 'MZ1' })).status).toBe(200)
    expect((await (await get(caseId, 'lantian')).json()).history).toHaveLength(0)
    const r = await put(caseId, 'lantian', { recordNumber: null })
    expect((await r.json()).history.map((h: any) => [h.old, h.new])).toEqual([['MZ1', null]])
    const [row] = await t.sql<{ patient: any }[]>`select patient from cases where id = ${caseId}`
    expect(row!.patient.recordNumber).toBeUndefined()
  })

  it.each([
    { user: 'admin', status: 403, why: 'admins configure, they do not edit patient identity' },
    { user: 'longjuan', status: 404, why: 'another township does not see the case' },
    { user: 'qa2', status: 404, why: 'QA of another network' },
  ])('$user → $status ($why), nothing changes', async ({ user, status }) => {
    const caseId = await startCase('MZ9')
    expect((await put(caseId, user, { recordNumber: 'HACK' })).status).toBe(status)
    const [row] = await t.sql<{ patient: any }[]>`select patient from cases where id = ${caseId}`
    expect(row!.patient.recordNumber).toBe('MZ9')
  })

  it('a bad body is a 422 naming the field, nothing changes', async () => {
    const caseId = await startCase('MZ5')
    for (const body of [{ recordNumber: '' }, { recordNumber: 'x'.repeat(41) }, { recordNumber: 5 }, {}]) {
      const r = await put(caseId, 'lantian', body)
      expect(r.status).toBe(422)
      expect((await r.json()).error.field).toBe('recordNumber')
    }
    const [row] = await t.sql<{ patient: any }[]>`select patient from cases where id = ${caseId}`
    expect(row!.patient.recordNumber).toBe('MZ5')
  })
})
