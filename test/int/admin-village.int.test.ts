/**
 * A village rescue point comes with its travel times to the nearest lysis-capable townships as
 * well as to the county (workflows/runtime/admin/facilities.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { testEnv, type TestEnv } from '../harness.ts'

const lantian = demoId('facility:lantian')
const longjuan = demoId('facility:longjuan')
const county = demoId('facility:county')
const json = (r: Response): Promise<any> => r.json()

let t: TestEnv
let admin: string
beforeAll(async () => {
  t = await testEnv()
  admin = await t.login('admin')
})
afterAll(async () => t.close())

const facilities = async () => (await t.sql<{ n: number }[]>`select count(*)::int as n from facilities`)[0]!.n
const village = (extra: Record<string, unknown>) => ({
  name: '新村急救点',
  level: 'village',
  travelToCounty: { minutes: 95 },
  ...extra,
})

describe('a new village rescue point', () => {
  it('without a time to a lysis-capable township: 422 naming travelToTownships, nothing written', async () => {
    const n = await facilities()
    const r = await t.call('POST', '/api/admin/facilities', { token: admin, body: village({}) })
    expect(r.status).toBe(422)
    expect((await json(r)).error).toMatchObject({
      code: 'missing_travel_to_township',
      field: 'travelToTownships',
      messageZh: expect.stringContaining('乡镇卫生院'),
    })
    expect(await facilities()).toBe(n)
  })

  it('a township that cannot lyse, or the county, is not a lysis township: 422 naming the entry', async () => {
    const n = await facilities()
    for (const id of [county, crypto.randomUUID()]) {
      const r = await t.call('POST', '/api/admin/facilities', {
        token: admin,
        body: village({
          travelToTownships: [
            { facilityId: lantian, minutes: 12 },
            { facilityId: id, minutes: 5 },
          ],
        }),
      })
      expect(r.status).toBe(422)
      expect((await json(r)).error).toMatchObject({
        code: 'not_lysis_township',
        field: 'travelToTownships.1.facilityId',
      })
    }
    expect(await facilities()).toBe(n)
  })

  it('with times to two townships and the county: all written both ways, audited', async () => {
    const r = await t.call('POST', '/api/admin/facilities', {
      token: admin,
      body: village({
        name: '后山村急救点',
        travelToTownships: [
          { facilityId: lantian, minutes: 14 },
          { facilityId: longjuan, minutes: 31 },
        ],
      }),
    })
    expect(r.status).toBe(201)
    const f = (await json(r)).facility
    expect(f).toMatchObject({ level: 'village', canLyse: false, minutesToCounty: 95 })
    const rows = await t.sql<{ from: string; to: string; minutes: number }[]>`
      select from_facility_id as "from", to_facility_id as "to", minutes from travel_times
       where from_facility_id = ${f.id} or to_facility_id = ${f.id} order by minutes, from_facility_id`
    const pairs = rows.map((x) => [
      x.from === f.id ? 'out' : 'in',
      x.from === f.id ? x.to : x.from,
      x.minutes,
    ])
    expect(pairs).toEqual(
      expect.arrayContaining([
        ['out', lantian, 14],
        ['in', lantian, 14],
        ['out', longjuan, 31],
        ['in', longjuan, 31],
        ['out', county, 95],
        ['in', county, 95],
      ]),
    )
    // The network the clients read carries the times (the strategy advice uses them).
    const net = await json(await t.call('GET', '/api/network', { token: await t.login('lantian') }))
    expect(net.travel).toContainEqual(expect.objectContaining({ from: f.id, to: lantian, minutes: 14 }))
    const [a] = await t.sql<{ n: number }[]>`
      select count(*)::int as n from audit_log where action = 'travel.update' and entity_id like ${String(f.id) + '%'}`
    expect(a!.n).toBe(3)
  })

  it('times to townships on a township are refused (422 travelToTownships)', async () => {
    const r = await t.call('POST', '/api/admin/facilities', {
      token: admin,
      body: {
        name: '某乡卫生院',
        level: 'township',
        lysisDrugs: ['tenecteplase'],
        travelToCounty: { minutes: 40 },
        travelToTownships: [{ facilityId: lantian, minutes: 10 }],
      },
    })
    expect(r.status).toBe(422)
    expect((await json(r)).error.field).toBe('travelToTownships')
  })
})
