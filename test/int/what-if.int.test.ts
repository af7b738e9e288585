/**
 * The network what-if on 12 months of demo history, through the real API: the numbers for two
 * townships are recomputed here by hand from the projection rows (plain arithmetic, not the core's
 * function), and the recommendation follows from them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { seedHistory } from '../../fixtures/history.ts'
import { DEMO_NETWORK_ID } from '../../fixtures/seed-demo.ts'
import { factsOf, type WhatIfCase, type WhatIfLimit } from '../../workflows/core/what-if.ts'
import { whatIfFacts } from '../../workflows/runtime/store/what-if.ts'
import { testEnv, type TestEnv } from '../harness.ts'

const LANTIAN = demoId('facility:lantian') // 78 min from the county
const GUANQIAO = demoId('facility:guanqiao') // 20 min from the county

describe('GET /api/network/what-if', () => {
  let t: TestEnv
  beforeAll(async () => {
    t = await testEnv({ workers: false })
    await seedHistory(t.sql, 12, { perMonth: 40 })
  })
  afterAll(() => t.close())

  const get = async (user: string, qs = '') =>
    t.call('GET', `/api/network/what-if${qs}`, { token: await t.login(user) })

  it('is for admin, QA and cardiologists, and names a bad parameter', async () => {
    expect((await get('lantian')).status).toBe(403)
    const bad = await get('admin', '?travel[nope]=3')
    expect(bad.status).toBe(422)
    expect((await bad.json()).error.field).toBe('travel[nope]')
    expect((await get('admin', `?travel[${LANTIAN}]=-4`)).status).toBe(422)
    expect((await get('admin', '?months=0')).status).toBe(422)
  })

  it('matches a hand calculation for two townships', async () => {
    const body = await (await get('admin')).json()
    const since = new Date(body.since)
    const rows = await t.sql<
      { f: string; d2n: number | null; dido: number | null; out: Date | null; dx: Date | null }[]
    >`
      select coalesce(lysis_facility_id, referral_facility_id, fmc_facility_id, facility_id) as f,
             door_to_needle as d2n, door_in_door_out as dido, referral_door_out as out, stemi_diagnosis as dx
      from case_metrics where stemi and ref_at >= ${since}`
    const med = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b)
      return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
    }
    for (const [id, road] of [
      [LANTIAN, 78],
      [GUANQIAO, 20],
    ] as const) {
      const own = rows.filter((r) => r.f === id)
      const dxOut = own.filter((r) => r.out && r.dx && r.out >= r.dx).map((r) => (+r.out! - +r.dx!) / 60_000)
      expect(own.length).toBeGreaterThan(0)
      const expected = Math.round((med(dxOut.length ? dxOut : [30]) + road + 60) * 10) / 10
      const entry = body.facilities.find((f: { facilityId: string }) => f.facilityId === id)
      expect(entry).toMatchObject({
        stemiCases: own.length,
        travelToPciMinutes: road,
        expectedDiagnosisToWire: expected,
        recommendation:
          expected <= 120 ? 'transfer_first' : expect.stringMatching(/^(lysis_first|improve_dido)$/),
      })
      const d2n = own.flatMap((r) => (r.d2n === null ? [] : [r.d2n]))
      expect(entry.medianDoorToNeedle).toBe(d2n.length ? Math.round(med(d2n) * 10) / 10 : null)
      if (dxOut.length)
        expect(entry.shareOver120).toBe(
          Math.round((dxOut.filter((m) => m + road + 60 > 120).length / dxOut.length) * 100) / 100,
        )
    }
    // Lantian, 78 min away: lysis first, as the Anxi network does.
    expect(body.facilities.find((f: { facilityId: string }) => f.facilityId === LANTIAN).recommendation).toBe(
      'lysis_first',
    )
  })

  it('answers what changes when a road gets faster', async () => {
    const body = await (await get('qa', `?travel[${LANTIAN}]=10&doorToWire=40`)).json()
    const lantian = body.facilities.find((f: { facilityId: string }) => f.facilityId === LANTIAN)
    expect(lantian.travelToPciMinutes).toBe(10)
    expect(body.doorToWire).toBe(40)
  })

  it("the store's SQL aggregate equals core's facts from the cases, value for value", async () => {
    // The cases as the what-if read them before the aggregate (one row per STEMI case).
    const since = new Date(Date.now() - 400 * 86_400_000)
    const cases = await t.sql<WhatIfCase[]>`
      select coalesce(lysis_facility_id, referral_facility_id, fmc_facility_id, facility_id)::text as "facilityId",
             case when referral_door_out is not null and stemi_diagnosis is not null
                       and referral_door_out >= stemi_diagnosis
                  then extract(epoch from referral_door_out - stemi_diagnosis) / 60 end::float8
               as "diagnosisToDoorOut",
             door_to_needle as "doorToNeedle", door_in_door_out as "doorInDoorOut"
        from case_metrics where network_id = ${DEMO_NETWORK_ID} and stemi and ref_at >= ${since}`
    const facilities = [...new Set(cases.map((c) => c.facilityId))]
    expect(facilities.length).toBeGreaterThan(2)
    // Every facility with cases under three roads (none, whole minutes, a fraction), one without.
    const limits: WhatIfLimit[] = [
      ...facilities.flatMap((facilityId, i) => [
        { facilityId, travel: null, doorToWire: 60 },
        { facilityId, travel: 20 + i * 7, doorToWire: 60 },
        { facilityId, travel: 41.5, doorToWire: 37 },
      ]),
      { facilityId: demoId('facility:county'), travel: 0, doorToWire: 60 },
    ]
    // Roads that put some patients exactly on the 120-minute line (> 120 counts, = 120 does not).
    const onLine = cases.filter((c) => c.diagnosisToDoorOut !== null).slice(0, 8)
    for (const c of onLine)
      limits.push({ facilityId: c.facilityId, travel: 60 - c.diagnosisToDoorOut!, doorToWire: 60 })
    expect(onLine.some((c) => c.diagnosisToDoorOut! + (60 - c.diagnosisToDoorOut!) + 60 === 120)).toBe(true)
    for (const limit of limits) {
      const [sqlFacts] = await whatIfFacts(t.sql, DEMO_NETWORK_ID, since, [limit])
      expect(sqlFacts).toEqual(factsOf([limit], cases)[0])
    }
    // Each list's middle counted, some shares strictly between none and all.
    const all = await whatIfFacts(t.sql, DEMO_NETWORK_ID, since, limits)
    expect(all).toEqual(factsOf(limits, cases))
    expect(all).toHaveLength(limits.length)
    expect(
      all.some((f) => f.diagnosisToDoorOut.n > 1 && f.over120! > 0 && f.over120! < f.diagnosisToDoorOut.n),
    ).toBe(true)
  })
})
