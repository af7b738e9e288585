import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { DEMO_NETWORK_ID, SECOND_NETWORK_ID } from '../../fixtures/seed-demo.ts'
import { onCallAt } from '../../workflows/runtime/store/network.ts'
import { testEnv, type TestEnv } from '../harness.ts'

const lantian = demoId('facility:lantian')
const county = demoId('facility:county')
const drChen = demoId('user:dr.chen')
const drLin = demoId('user:dr.lin')
const drWang = demoId('user:dr.wang')
const someUuid = '00000000-0000-4000-8000-000000000000'

/** Every admin endpoint, with a body that would be valid enough to reach the handler. */
const ROUTES: [method: string, path: string, body?: unknown][] = [
  ['GET', '/api/admin/facilities'],
  ['GET', `/api/admin/facilities/${lantian}`],
  ['POST', '/api/admin/facilities', { name: 'x', level: 'village', travelToCounty: { minutes: 10 } }],
  ['PATCH', `/api/admin/facilities/${lantian}`, { name: 'x' }],
  ['POST', `/api/admin/facilities/${lantian}/deactivate`],
  ['POST', `/api/admin/facilities/${lantian}/reactivate`],
  ['GET', '/api/admin/travel'],
  ['PUT', '/api/admin/travel', { from: lantian, to: county, minutes: 10 }],
  ['GET', '/api/admin/users'],
  ['GET', `/api/admin/users/${drChen}`],
  ['POST', '/api/admin/users', { username: 'zz', displayName: 'z', roles: ['qa'] }],
  ['PATCH', `/api/admin/users/${drChen}`, { displayName: 'x' }],
  ['POST', `/api/admin/users/${drChen}/deactivate`, { force: true }],
  ['POST', `/api/admin/users/${drChen}/reactivate`],
  ['POST', `/api/admin/users/${drChen}/reset-password`],
  ['GET', '/api/admin/rota'],
  ['GET', '/api/admin/rota/gaps?days=14'],
  ['POST', '/api/admin/rota/slots', {}],
  ['POST', '/api/admin/rota/swaps', {}],
  ['PATCH', `/api/admin/rota/slots/${someUuid}`, {}],
  ['DELETE', `/api/admin/rota/slots/${someUuid}?force=true`],
  ['GET', '/api/admin/rota/template'],
  ['PUT', '/api/admin/rota/template', { entries: [] }],
  ['POST', '/api/admin/rota/template/materialise', { weeks: 1 }],
  ['GET', '/api/admin/settings'],
  ['PATCH', '/api/admin/settings', { checklist: 'esc' }],
  ['POST', '/api/admin/import?dryRun=1', { facilities: 'key,name,level\n' }],
  ['GET', '/api/admin/readiness'],
  ['GET', '/api/admin/audit'],
]

const json = (r: Response): Promise<any> => r.json()

describe('admin access control', () => {
  let t: TestEnv
  beforeAll(async () => {
    t = await testEnv()
  })
  afterAll(async () => t.close())

  it('answers 401 without a session on every admin endpoint', async () => {
    for (const [method, path, body] of ROUTES)
      expect([method, path, (await t.call(method, path, { body })).status]).toEqual([method, path, 401])
  })

  it.each(['qa', 'lantian', 'dr.chen', 'village.a', 'cathlab'])(
    '%s gets 403 on every admin endpoint (QA may read the audit trail) and nothing is written',
    async (username) => {
      const token = await t.login(username)
      const before = await t.sql`select count(*)::int as n from audit_log`
      for (const [method, path, body] of ROUTES) {
        const allowed = username === 'qa' && path === '/api/admin/audit'
        const r = await t.call(method, path, { token, body })
        expect([method, path, r.status]).toEqual([method, path, allowed ? 200 : 403])
      }
      const after = await t.sql`select count(*)::int as n from audit_log`
      expect(after[0]!.n).toBe(before[0]!.n)
    },
  )

  it('keeps the admin of network B out of network A: 404 on every id, lists show only B', async () => {
    const token = await t.login('admin2')
    const facilities = await json(await t.call('GET', '/api/admin/facilities', { token }))
    expect(facilities.facilities.map((f: { id: string }) => f.id)).not.toContain(lantian)
    expect(facilities.facilities).toHaveLength(2)
    const users = await json(await t.call('GET', '/api/admin/users', { token }))
    expect(users.users.map((u: { id: string }) => u.id)).not.toContain(drChen)
    const [slot] = await t.sql`select id from rota_slots where network_id = ${DEMO_NETWORK_ID} limit 1`
    const foreign: [string, string, unknown?][] = [
      ['GET', `/api/admin/facilities/${lantian}`],
      ['PATCH', `/api/admin/facilities/${lantian}`, { name: 'hijack' }],
      ['POST', `/api/admin/facilities/${lantian}/deactivate`],
      ['PUT', '/api/admin/travel', { from: lantian, to: county, minutes: 5 }],
      ['GET', `/api/admin/users/${drChen}`],
      ['PATCH', `/api/admin/users/${drChen}`, { displayName: 'hijack' }],
      ['POST', `/api/admin/users/${drChen}/deactivate`, { force: true }],
      ['POST', `/api/admin/users/${drChen}/reset-password`],
      ['PATCH', `/api/admin/rota/slots/${slot!.id}`, { force: true, note: 'x' }],
      ['DELETE', `/api/admin/rota/slots/${slot!.id}?force=true`],
      ['GET', '/api/admin/facilities/not-a-uuid'],
    ]
    for (const [method, path, body] of foreign)
      expect([method, path, (await t.call(method, path, { token, body })).status]).toEqual([
        method,
        path,
        404,
      ])
    // A slot in B naming a cardiologist of A is refused as a field error, not written.
    const r = await t.call('POST', '/api/admin/rota/slots', {
      token,
      body: {
        line: 'first',
        userId: drChen,
        startsAt: '2030-01-01T00:00:00Z',
        endsAt: '2030-01-02T00:00:00Z',
      },
    })
    expect(r.status).toBe(422)
    expect(await json(r)).toMatchObject({ error: { field: 'userId' } })
    const [f] = await t.sql`select name, active from facilities where id = ${lantian}`
    expect(f).toEqual({ name: '蓝田乡卫生院', active: true })
    const [u] = await t.sql`select display_name, active from users where id = ${drChen}`
    expect(u).toEqual({ display_name: '陈主任 Dr Chen', active: true })
    const audit =
      await t.sql`select count(*)::int as n from audit_log where network_id = ${DEMO_NETWORK_ID} and action not like 'auth.%'`
    expect(audit[0]!.n).toBe(0)
  })

  it('shows each network only its own audit trail', async () => {
    const a = await t.login('admin')
    await t.call('PATCH', '/api/admin/settings', { token: a, body: { expectedDoorToWireMinutes: 70 } })
    const mine = await json(await t.call('GET', '/api/admin/audit', { token: await t.login('qa') }))
    expect(mine.entries.some((e: any) => e.action === 'network.update')).toBe(true)
    const theirs = await json(await t.call('GET', '/api/admin/audit', { token: await t.login('qa2') }))
    // Their own sign-ins (auth.*) only: nothing of network A.
    expect(theirs.entries.filter((e: any) => !String(e.action).startsWith('auth.'))).toHaveLength(0)
    const [row] = await t.sql`select network_id from audit_log where action = 'network.update'`
    expect(row!.network_id).toBe(DEMO_NETWORK_ID)
    expect(row!.network_id).not.toBe(SECOND_NETWORK_ID)
  })
})

describe('rota: who the router picks', () => {
  let t: TestEnv
  beforeAll(async () => {
    t = await testEnv()
  })
  afterAll(async () => t.close())

  it('follows a slot across midnight and a swap inside it', async () => {
    const token = await t.login('admin')
    const day = new Date(Date.now() + 20 * 24 * 3600_000).toISOString().slice(0, 10)
    const next = new Date(Date.parse(day) + 24 * 3600_000).toISOString().slice(0, 10)
    const at = (d: string, hm: string) => new Date(`${d}T${hm}:00+08:00`)
    // Night cover 20:00 → 08:00 China time by Dr Lin over the seeded 24/7 Dr Chen.
    const night = await t.call('POST', '/api/admin/rota/slots', {
      token,
      body: {
        line: 'first',
        userId: drLin,
        startsAt: `${day}T20:00:00+08:00`,
        endsAt: `${next}T08:00:00+08:00`,
      },
    })
    expect(night.status).toBe(201)
    const swap = await t.call('POST', '/api/admin/rota/swaps', {
      token,
      body: {
        line: 'first',
        userId: drWang,
        startsAt: `${next}T00:00:00+08:00`,
        endsAt: `${next}T02:00:00+08:00`,
        note: 'Dr Lin at a family event',
      },
    })
    expect(swap.status).toBe(201)
    expect((await json(swap)).slot).toMatchObject({ kind: 'swap', userId: drWang })
    const cases: [Date, string][] = [
      [at(day, '19:59'), drChen],
      [at(day, '20:00'), drLin],
      [at(day, '23:59'), drLin],
      [at(next, '00:30'), drWang],
      [at(next, '02:00'), drLin],
      [at(next, '07:59'), drLin],
      [at(next, '08:00'), drChen],
    ]
    for (const [when, who] of cases)
      expect([when.toISOString(), await onCallAt(t.sql, DEMO_NETWORK_ID, 'first', when)]).toEqual([
        when.toISOString(),
        [who],
      ])
  })

  it('materialises a weekly template (night shift past midnight) in local time, and a later swap still wins', async () => {
    const token = await t.login('admin2')
    const dryong = demoId('user:dr.yong')
    // A second cardiologist for network B.
    const made = await json(
      await t.call('POST', '/api/admin/users', {
        token,
        body: { username: 'dr.night', displayName: '夜班 Dr Night', roles: ['cardiologist'] },
      }),
    )
    const night = made.user.id
    const entries = [1, 2, 3, 4, 5, 6, 7].flatMap((weekday) => [
      { weekday, startHour: 8, endHour: 20, line: 'first', userId: dryong },
      { weekday, startHour: 20, endHour: 8, line: 'first', userId: night },
    ])
    expect((await t.call('PUT', '/api/admin/rota/template', { token, body: { entries } })).status).toBe(200)
    const m = await t.call('POST', '/api/admin/rota/template/materialise', { token, body: { weeks: 2 } })
    expect(m.status).toBe(200)
    expect((await json(m)).created).toBeGreaterThanOrEqual(26)
    const day = new Date(Date.now() + 5 * 24 * 3600_000).toISOString().slice(0, 10)
    const when = (hm: string, d = day) => new Date(`${d}T${hm}:00+08:00`)
    expect(await onCallAt(t.sql, SECOND_NETWORK_ID, 'first', when('03:00'))).toEqual([night])
    expect(await onCallAt(t.sql, SECOND_NETWORK_ID, 'first', when('12:00'))).toEqual([dryong])
    expect(await onCallAt(t.sql, SECOND_NETWORK_ID, 'first', when('23:00'))).toEqual([night])
    await t.call('POST', '/api/admin/rota/swaps', {
      token,
      body: {
        line: 'first',
        userId: dryong,
        startsAt: when('22:00').toISOString(),
        endsAt: when('23:30').toISOString(),
      },
    })
    // Re-materialising keeps identical slots and leaves the swap on top.
    const again = await json(
      await t.call('POST', '/api/admin/rota/template/materialise', { token, body: { weeks: 2 } }),
    )
    expect(again.created).toBe(0)
    expect(await onCallAt(t.sql, SECOND_NETWORK_ID, 'first', when('23:00'))).toEqual([dryong])
  })
})
