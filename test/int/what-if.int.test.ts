/**
 * The network what-if on 12 months of demo history, through the real API: the numbers for two
 * townships are recomputed here by hand from the projection rows (plain arithmetic, not the core's
 * function), and the recommendation follows from them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { seedHistory } from '../../fixtures/history.ts'
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
})
