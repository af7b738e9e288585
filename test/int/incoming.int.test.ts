import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { DEMO_NETWORK_ID } from '../../fixtures/seed-demo.ts'
import { backfillHeadings } from '../../workflows/runtime/apply-event.ts'
import { streamOnly } from '../../workflows/runtime/notifier.ts'
import { testEnv, type TestEnv } from '../harness.ts'
import { loadScenario, replayOverHttp } from '../scenarios.ts'

const COUNTY = demoId('facility:county')
const LANTIAN = demoId('facility:lantian')

let t: TestEnv
beforeAll(async () => {
  t = await testEnv({ compose: { notifier: streamOnly } })
})
afterAll(async () => t.close())

const incoming = async (user: string) => {
  const r = await t.call('GET', '/api/incoming', { token: await t.login(user) })
  expect(r.status).toBe(200)
  return ((await r.json()) as { cases: any[] }).cases
}

describe('GET /api/incoming', () => {
  it('lists a departed patient for the county until arrival, with the travel-matrix ETA and the cath lab state', async () => {
    const s = loadScenario('anxi')
    const upTo = s.case.events.findIndex((e) => e.type === 'departed')
    const { caseId, shifted } = await replayOverHttp(t, {
      ...s,
      case: { ...s.case, events: s.case.events.slice(0, upTo + 1) },
    })
    const departed = s.case.events[upTo]!
    const [row] = (await incoming('cathlab')).filter((c) => c.id === caseId)
    expect(row).toMatchObject({
      from: { facilityId: LANTIAN },
      to: { facilityId: COUNTY },
      diagnosis: 'stemi',
      strategy: 'pharmacoinvasive',
      departedAt: shifted(departed.at),
      etaSource: 'travel_matrix',
      travelMinutes: 78,
      cathLab: { activatedAt: null, readyAt: null },
    })
    expect(Date.parse(row.etaAt) - Date.parse(row.departedAt)).toBe(78 * 60_000)
    expect(row.lysedAt).not.toBeNull()
    expect(JSON.stringify(row)).not.toContain('weightKg')
    // The county cardiologist sees it too; the sending township and another network do not.
    expect((await incoming('dr.chen')).map((c) => c.id)).toContain(caseId)
    expect((await incoming('lantian')).map((c) => c.id)).not.toContain(caseId)
    expect(await incoming('township2')).toEqual([])

    const post = async (type: string, data: Record<string, unknown> = {}) => {
      const r = await t.call('POST', `/api/cases/${caseId}/events`, {
        token: await t.login('cathlab'),
        body: { id: crypto.randomUUID(), type, at: new Date().toISOString(), ...data },
      })
      expect(r.status).toBe(201)
    }
    await post('cath_lab_activated')
    await post('cath_lab_ready')
    const [ready] = (await incoming('cathlab')).filter((c) => c.id === caseId)
    expect(ready.cathLab.activatedAt).not.toBeNull()
    expect(ready.cathLab.readyAt).not.toBeNull()
    await post('arrived', { facilityId: COUNTY })
    expect((await incoming('cathlab')).map((c) => c.id)).not.toContain(caseId)
  })

  it('never drops a patient on the road: 600 newer active cases at the county, and a row projected before heading_to existed', async () => {
    const s = loadScenario('anxi')
    const upTo = s.case.events.findIndex((e) => e.type === 'departed')
    const onTheRoad = async () =>
      (
        await replayOverHttp(t, {
          ...s,
          case: { ...s.case, events: s.case.events.slice(0, upTo + 1) },
        })
      ).caseId
    const early = await onTheRoad()
    const legacy = await onTheRoad()
    const rows = await t.sql<{ id: string; heading_to: string | null; heading_known: boolean }[]>`
      select id, heading_to, heading_known from cases where id in ${t.sql([early, legacy])}`
    expect(rows.map((r) => [r.heading_to, r.heading_known])).toEqual([
      [COUNTY, true],
      [COUNTY, true],
    ])
    // As a row projected before migrations/0023_incoming.sql: heading unknown.
    await t.sql`update cases set heading_to = null, heading_known = false where id = ${legacy}`
    // 600 active cases that touched the county, all updated after both patients left (the board
    // used to read the 500 most recently updated cases that touched it, then look for transfers).
    const [creator] = await t.sql<{ id: string }[]>`select id from users where username = 'lantian'`
    await t.sql`
      insert into cases (id, network_id, facility_id, patient, created_by, created_at, updated_at, facility_ids,
                         heading_known)
      select gen_random_uuid(), ${DEMO_NETWORK_ID}, ${LANTIAN}, '{"sex":"male","age":60}', ${creator!.id},
             now(), now() + interval '1 minute', array[${LANTIAN}, ${COUNTY}]::uuid[], true
        from generate_series(1, 600)`
    const ids = (await incoming('cathlab')).map((c) => c.id)
    expect(ids).toContain(early)
    expect(ids).toContain(legacy)
    // The legacy row's next event projects its heading like any other.
    const r = await t.call('POST', `/api/cases/${legacy}/events`, {
      token: await t.login('cathlab'),
      body: { id: crypto.randomUUID(), type: 'arrived', at: new Date().toISOString(), facilityId: COUNTY },
    })
    expect(r.status).toBe(201)
    const [after] = await t.sql<{ heading_to: string | null; heading_known: boolean }[]>`
      select heading_to, heading_known from cases where id = ${legacy}`
    expect(after).toEqual({ heading_to: null, heading_known: true })
    expect((await incoming('cathlab')).map((c) => c.id)).not.toContain(legacy)

    // The boot backfill projects the heading of such rows under their locks, keeping updated_at.
    await t.sql`update cases set heading_to = null, heading_known = false where id = ${early}`
    const [seen] = await t.sql<{ updated_at: Date }[]>`select updated_at from cases where id = ${early}`
    expect(await backfillHeadings(t.deps.rt, 2)).toBe(1)
    const [filled] = await t.sql<{ heading_to: string; heading_known: boolean; updated_at: Date }[]>`
      select heading_to, heading_known, updated_at from cases where id = ${early}`
    expect(filled).toEqual({ heading_to: COUNTY, heading_known: true, updated_at: seen!.updated_at })
    expect(await backfillHeadings(t.deps.rt)).toBe(0)
    expect((await incoming('cathlab')).map((c) => c.id)).toContain(early)
  })
})
