import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { DEMO_NETWORK_ID } from '../../fixtures/seed-demo.ts'
import { testEnv, type TestEnv } from '../harness.ts'

const lantian = demoId('facility:lantian')
const county = demoId('facility:county')
const drChen = demoId('user:dr.chen')
const json = (r: Response): Promise<any> => r.json()
const count = async (
  t: TestEnv,
  table: 'facilities' | 'users' | 'rota_slots' | 'audit_log' | 'travel_times',
) => (await t.sql<{ n: number }[]>`select count(*)::int as n from ${t.sql(table)}`)[0]!.n

describe('users: one-time codes, deactivation, reset', () => {
  let t: TestEnv
  let admin: string
  beforeAll(async () => {
    t = await testEnv()
    admin = await t.login('admin')
  })
  afterAll(async () => t.close())

  it('creates a user with a one-time code shown once; the user sets a password with it and signs in', async () => {
    const r = await t.call('POST', '/api/admin/users', {
      token: admin,
      body: {
        username: 'Dr.Su',
        displayName: '苏医生',
        roles: ['township_physician'],
        facilityIds: [lantian],
      },
    })
    expect(r.status).toBe(201)
    const body = await json(r)
    expect(body.user).toMatchObject({
      username: 'dr.su',
      roles: ['township_physician'],
      facilityIds: [lantian],
    })
    expect(body.oneTimeCode).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/)
    // Shown once: neither the list nor the audit trail nor the database holds it.
    const list = await (await t.call('GET', '/api/admin/users', { token: admin })).text()
    expect(list).not.toContain(body.oneTimeCode)
    const stored =
      await t.sql`select code_hash, expires_at - now() > interval '23 hours' as fresh from user_codes`
    expect(JSON.stringify(stored)).not.toContain(body.oneTimeCode.replaceAll('-', ''))
    expect(stored[0]!.fresh).toBe(true)
    const audit = await t.sql`select after from audit_log where action = 'user.create'`
    expect(JSON.stringify(audit)).not.toContain(body.oneTimeCode)

    // No password works before redeeming.
    const before = await t.call('POST', '/api/auth/login', { body: { username: 'dr.su', password: '!' } })
    expect(before.status).toBe(401)
    const wrong = await t.call('POST', '/api/auth/redeem', {
      body: { username: 'dr.su', code: 'AAAA-AAAA-AAAA', newPassword: 'lantian-2024' },
    })
    expect(wrong.status).toBe(401)
    const short = await t.call('POST', '/api/auth/redeem', {
      body: { username: 'dr.su', code: body.oneTimeCode, newPassword: 'short' },
    })
    expect(short.status).toBe(422)
    expect(await json(short)).toMatchObject({ error: { field: 'newPassword' } })
    const ok = await t.call('POST', '/api/auth/redeem', {
      body: { username: 'dr.su', code: body.oneTimeCode.toLowerCase(), newPassword: 'lantian-2024' },
    })
    expect(ok.status).toBe(200)
    const token = await t.login('dr.su', 'lantian-2024')
    expect((await t.call('GET', '/api/me', { token })).status).toBe(200)
    // Spent.
    const again = await t.call('POST', '/api/auth/redeem', {
      body: { username: 'dr.su', code: body.oneTimeCode, newPassword: 'another-one' },
    })
    expect(again.status).toBe(401)
  })

  it('a code dies after 5 wrong tries and after 24 h', async () => {
    const made = await json(
      await t.call('POST', '/api/admin/users', {
        token: admin,
        body: { username: 'qa.x', displayName: 'QA X', roles: ['qa'] },
      }),
    )
    // Every redeem here comes from one address: start this test with a fresh throttle window.
    await t.sql`delete from request_throttle`
    for (let i = 0; i < 5; i++)
      await t.call('POST', '/api/auth/redeem', {
        body: { username: 'qa.x', code: 'AAAA-BBBB-CCCC', newPassword: 'whatever-123' },
      })
    const late = await t.call('POST', '/api/auth/redeem', {
      body: { username: 'qa.x', code: made.oneTimeCode, newPassword: 'whatever-123' },
    })
    expect(late.status).toBe(401)
    const reset = await json(
      await t.call('POST', `/api/admin/users/${made.user.id}/reset-password`, { token: admin }),
    )
    await t.sql`update user_codes set expires_at = now() - interval '1 second' where used_at is null`
    const expired = await t.call('POST', '/api/auth/redeem', {
      body: { username: 'qa.x', code: reset.oneTimeCode, newPassword: 'whatever-123' },
    })
    expect(expired.status).toBe(401)
  })

  it('reset password: a new code, and the old sessions end at once; redeeming it sets the password', async () => {
    await t.sql`delete from request_throttle`
    const old = await t.login('cathlab')
    const r = await t.call('POST', `/api/admin/users/${demoId('user:cathlab')}/reset-password`, {
      token: admin,
    })
    expect(r.status).toBe(200)
    const { oneTimeCode } = await json(r)
    // The password may be known to someone else: its sessions end now, not at redeem time.
    expect((await t.call('GET', '/api/me', { token: old })).status).toBe(401)
    await t.call('POST', '/api/auth/redeem', {
      body: { username: 'cathlab', code: oneTimeCode, newPassword: 'cath-lab-new-1' },
    })
    expect((await t.call('GET', '/api/me', { token: old })).status).toBe(401)
    expect(
      (await t.call('POST', '/api/auth/login', { body: { username: 'cathlab', password: 'demo1234' } }))
        .status,
    ).toBe(401)
    await t.login('cathlab', 'cath-lab-new-1')
  })

  it('deactivating a user ends their sessions (next request 401) and removes their push subscriptions, in one go', async () => {
    const token = await t.login('lantian')
    const userId = demoId('user:lantian')
    await t.sql`insert into push_subscriptions (user_id, endpoint, p256dh, auth)
                values (${userId}, 'https://fcm.googleapis.com/fcm/send/x1', 'k', 'a'),
                       (${userId}, 'https://fcm.googleapis.com/fcm/send/x2', 'k', 'a')`
    expect((await t.call('GET', '/api/me', { token })).status).toBe(200)
    const r = await t.call('POST', `/api/admin/users/${userId}/deactivate`, { token: admin })
    expect(r.status).toBe(200)
    expect(await json(r)).toMatchObject({ user: { active: false }, subscriptionsRemoved: 2 })
    expect((await t.call('GET', '/api/me', { token })).status).toBe(401)
    expect(await t.sql`select 1 from push_subscriptions where user_id = ${userId}`).toHaveLength(0)
    expect(await t.sql`select 1 from sessions where user_id = ${userId}`).toHaveLength(0)
    const login = await t.call('POST', '/api/auth/login', {
      body: { username: 'lantian', password: 'demo1234' },
    })
    expect(login.status).toBe(401)
    const [a] = await t.sql`select before, after, actor_id from audit_log where action = 'user.deactivate'`
    expect(a).toMatchObject({
      before: { active: true },
      after: { active: false },
      actor_id: demoId('user:admin'),
    })
  })

  it('refuses to remove the last admin, and bad bodies with 422 naming the field, writing nothing', async () => {
    const n = await count(t, 'audit_log')
    const users = await count(t, 'users')
    const self = await t.call('PATCH', `/api/admin/users/${demoId('user:admin')}`, {
      token: admin,
      body: { roles: ['qa'] },
    })
    expect(self.status).toBe(422)
    expect(await json(self)).toMatchObject({ error: { code: 'last_admin' } })
    const cases: [unknown, string][] = [
      [{ username: 'x y', displayName: 'a', roles: ['qa'] }, 'username'],
      [{ username: 'ok.name', displayName: '', roles: ['qa'] }, 'displayName'],
      [{ username: 'ok.name', displayName: 'a', roles: ['surgeon'] }, 'roles.0'],
      [{ username: 'ok.name', displayName: 'a', roles: ['township_physician'] }, 'facilityIds'],
      [
        { username: 'ok.name', displayName: 'a', roles: ['qa'], facilityIds: [demoId('facility:net2-town')] },
        'facilityIds.0',
      ],
    ]
    for (const [body, field] of cases) {
      const r = await t.call('POST', '/api/admin/users', { token: admin, body })
      expect([field, r.status, (await json(r)).error.field]).toEqual([field, 422, field])
    }
    const dup = await t.call('POST', '/api/admin/users', {
      token: admin,
      body: { username: 'qa2', displayName: 'dup', roles: ['qa'] },
    })
    expect(dup.status).toBe(409)
    expect(await count(t, 'audit_log')).toBe(n)
    expect(await count(t, 'users')).toBe(users)
  })
})

describe('rota guards', () => {
  let t: TestEnv
  let admin: string
  beforeAll(async () => {
    t = await testEnv()
    admin = await t.login('admin')
  })
  afterAll(async () => t.close())

  const chenSlotTomorrow = async () => {
    const [s] = await t.sql<{ id: string; startsAt: Date; endsAt: Date }[]>`
      select id, starts_at as "startsAt", ends_at as "endsAt" from rota_slots
       where user_id = ${drChen} and line = 'first' and starts_at > now() order by starts_at limit 1`
    return s!
  }

  it('refuses to delete or shorten a first-line slot that would leave a gap, unless forced', async () => {
    expect((await json(await t.call('GET', '/api/admin/rota/gaps', { token: admin }))).gaps).toEqual([])
    const slot = await chenSlotTomorrow()
    const slots = await count(t, 'rota_slots')
    const audit = await count(t, 'audit_log')
    const del = await t.call('DELETE', `/api/admin/rota/slots/${slot.id}`, { token: admin })
    expect(del.status).toBe(422)
    const err = (await json(del)).error
    expect(err).toMatchObject({ code: 'rota_gap', field: 'force' })
    expect(err.message).toMatch(/no first-line cardiologist/)
    expect(err.messageZh).toMatch(/无一线值班心内科医生/)
    expect(err.params.gaps).toEqual([{ from: slot.startsAt.toISOString(), to: slot.endsAt.toISOString() }])
    const shorten = await t.call('PATCH', `/api/admin/rota/slots/${slot.id}`, {
      token: admin,
      body: { endsAt: new Date(slot.endsAt.getTime() - 3600_000).toISOString() },
    })
    expect(shorten.status).toBe(422)
    expect(await count(t, 'rota_slots')).toBe(slots)
    expect(await count(t, 'audit_log')).toBe(audit)

    // Cover first with Dr Wang, then the delete goes through.
    const cover = await t.call('POST', '/api/admin/rota/slots', {
      token: admin,
      body: { line: 'first', userId: demoId('user:dr.wang'), startsAt: slot.startsAt, endsAt: slot.endsAt },
    })
    expect(cover.status).toBe(201)
    expect((await t.call('DELETE', `/api/admin/rota/slots/${slot.id}`, { token: admin })).status).toBe(200)
    const forced = await t.call('PATCH', `/api/admin/rota/slots/${(await json(cover)).slot.id}`, {
      token: admin,
      body: { endsAt: new Date(slot.endsAt.getTime() - 3600_000).toISOString(), force: true },
    })
    expect(forced.status).toBe(200)
    const gaps = await json(await t.call('GET', '/api/admin/rota/gaps?days=14', { token: admin }))
    expect(gaps.gaps).toEqual([
      { from: new Date(slot.endsAt.getTime() - 3600_000).toISOString(), to: slot.endsAt.toISOString() },
    ])
    const actions =
      await t.sql`select action, before is not null as b, after is not null as a from audit_log where action not like 'auth.%' order by id`
    expect(actions.map((r): unknown => r.action)).toEqual(['rota.create', 'rota.delete', 'rota.update'])
  })

  it('refuses to deactivate the on-call cardiologist or drop their cardiologist role, unless forced', async () => {
    const dea = await t.call('POST', `/api/admin/users/${drChen}/deactivate`, { token: admin, body: {} })
    expect(dea.status).toBe(422)
    expect(await json(dea)).toMatchObject({ error: { code: 'rota_gap' } })
    const role = await t.call('PATCH', `/api/admin/users/${drChen}`, {
      token: admin,
      body: { roles: ['qa'] },
    })
    expect(role.status).toBe(422)
    const [u] = await t.sql`select active from users where id = ${drChen}`
    expect(u!.active).toBe(true)
    const forced = await t.call('POST', `/api/admin/users/${drChen}/deactivate`, {
      token: admin,
      body: { force: true },
    })
    expect(forced.status).toBe(200)
    const gaps = await json(await t.call('GET', '/api/admin/rota/gaps', { token: admin }))
    expect(gaps.gaps.length).toBeGreaterThan(0)
  })

  it('refuses slots for non-cardiologists and bad intervals with 422 naming the field', async () => {
    const n = await count(t, 'rota_slots')
    const cases: [unknown, string][] = [
      [
        {
          line: 'first',
          userId: demoId('user:qa'),
          startsAt: '2030-01-01T00:00:00Z',
          endsAt: '2030-01-02T00:00:00Z',
        },
        'userId',
      ],
      [
        {
          line: 'first',
          userId: demoId('user:dr.lin'),
          startsAt: '2030-01-02T00:00:00Z',
          endsAt: '2030-01-01T00:00:00Z',
        },
        'endsAt',
      ],
      [
        {
          line: 'third',
          userId: demoId('user:dr.lin'),
          startsAt: '2030-01-01T00:00:00Z',
          endsAt: '2030-01-02T00:00:00Z',
        },
        'line',
      ],
      [
        {
          line: 'first',
          userId: demoId('user:dr.lin'),
          startsAt: 'tomorrow',
          endsAt: '2030-01-02T00:00:00Z',
        },
        'startsAt',
      ],
    ]
    for (const [body, field] of cases) {
      const r = await t.call('POST', '/api/admin/rota/slots', { token: admin, body })
      expect([field, r.status, (await json(r)).error.field]).toEqual([field, 422, field])
    }
    expect(await count(t, 'rota_slots')).toBe(n)
  })
})

describe('facilities, travel and settings', () => {
  let t: TestEnv
  let admin: string
  beforeAll(async () => {
    t = await testEnv()
    admin = await t.login('admin')
  })
  afterAll(async () => t.close())

  it('a new facility must come with its travel time to the county; it is written both ways', async () => {
    const n = await count(t, 'facilities')
    const body = { name: '新镇卫生院', nameEn: 'Xinzhen', level: 'township', lysisDrugs: ['tenecteplase'] }
    const missing = await t.call('POST', '/api/admin/facilities', { token: admin, body })
    expect(missing.status).toBe(422)
    expect(await json(missing)).toMatchObject({
      error: { code: 'missing_travel_to_county', field: 'travelToCounty' },
    })
    expect(await count(t, 'facilities')).toBe(n)
    const r = await t.call('POST', '/api/admin/facilities', {
      token: admin,
      body: { ...body, travelToCounty: { minutes: 42 } },
    })
    expect(r.status).toBe(201)
    const f = (await json(r)).facility
    expect(f).toMatchObject({ level: 'township', canLyse: true, minutesToCounty: 42, minutesFromCounty: 42 })
    const oneWay = await t.call('PUT', '/api/admin/travel', {
      token: admin,
      body: { from: county, to: f.id, minutes: 50, oneWay: true },
    })
    expect(await json(oneWay)).toMatchObject({ minutes: 50, minutesBack: 42 })
    const matrix = await json(await t.call('GET', '/api/admin/travel', { token: admin }))
    expect(matrix.missingToCounty).toEqual([])
    expect(matrix.travel).toContainEqual({ from: f.id, to: county, minutes: 42 })
    const audit =
      await t.sql`select action, entity_id from audit_log where action not like 'auth.%' order by id`
    expect(audit.map((a): unknown => a.action)).toEqual(['facility.create', 'travel.update', 'travel.update'])
  })

  it('a township keeps at least one drug unless explicitly canLyse: false; regimens for non-TNK drugs', async () => {
    const n = await count(t, 'audit_log')
    const empty = await t.call('PATCH', `/api/admin/facilities/${lantian}`, {
      token: admin,
      body: { lysisDrugs: [] },
    })
    expect(empty.status).toBe(422)
    const err = (await json(empty)).error
    expect(err).toMatchObject({ code: 'lysis_without_drug', field: 'lysisDrugs' })
    expect([err.message, err.messageZh]).toEqual([
      expect.stringMatching(/lysis drug/),
      expect.stringMatching(/溶栓药物/),
    ])
    const alteplase = await t.call('PATCH', `/api/admin/facilities/${lantian}`, {
      token: admin,
      body: { lysisDrugs: ['alteplase'] },
    })
    expect(await json(alteplase)).toMatchObject({
      error: { code: 'regimen_required', field: 'lysisRegimens.alteplase' },
    })
    const village = await t.call('PATCH', `/api/admin/facilities/${demoId('facility:lantian-v1')}`, {
      token: admin,
      body: { lysisDrugs: ['tenecteplase'] },
    })
    expect(await json(village)).toMatchObject({ error: { field: 'lysisDrugs' } })
    const bad = await t.call('PATCH', `/api/admin/facilities/${lantian}`, {
      token: admin,
      body: { lysisDrugs: ['aspirin'] },
    })
    expect(await json(bad)).toMatchObject({ error: { code: 'invalid', field: 'lysisDrugs.0' } })
    expect(await count(t, 'audit_log')).toBe(n)
    const [row] = await t.sql`select lysis_drugs from facilities where id = ${lantian}`
    expect(row!.lysis_drugs).toEqual(['tenecteplase'])

    const out = await t.call('PATCH', `/api/admin/facilities/${lantian}`, {
      token: admin,
      body: { canLyse: false },
    })
    expect(out.status).toBe(200)
    expect((await json(out)).facility).toMatchObject({ canLyse: false, lysisDrugs: [] })
    const renamed = await t.call('PATCH', `/api/admin/facilities/${lantian}`, {
      token: admin,
      body: { address: '蓝田乡' },
    })
    expect(renamed.status).toBe(200)
    const back = await t.call('PATCH', `/api/admin/facilities/${lantian}`, {
      token: admin,
      body: {
        lysisDrugs: ['tenecteplase', 'alteplase'],
        lysisRegimens: { alteplase: '15 mg IV bolus, 0.75 mg/kg/30 min, 0.5 mg/kg/60 min' },
      },
    })
    expect((await json(back)).facility).toMatchObject({
      canLyse: true,
      lysisRegimens: { alteplase: expect.any(String) },
    })
    const [a] =
      await t.sql`select before, after from audit_log where action = 'facility.update' order by id limit 1`
    expect(a!.before.lysisDrugs).toEqual(['tenecteplase'])
    expect(a!.after.lysisDrugs).toEqual([])
  })

  it('deactivates instead of deleting; the county cannot be deactivated', async () => {
    const v = demoId('facility:lantian-v2')
    const r = await t.call('POST', `/api/admin/facilities/${v}/deactivate`, { token: admin })
    expect((await json(r)).facility).toMatchObject({ active: false })
    expect(
      (await t.call('POST', `/api/admin/facilities/${county}/deactivate`, { token: admin })).status,
    ).toBe(422)
    expect((await t.call('POST', `/api/admin/facilities/${v}/reactivate`, { token: admin })).status).toBe(200)
  })

  it('stores the checklist variant and expected door-to-wire in network settings', async () => {
    const r = await t.call('PATCH', '/api/admin/settings', {
      token: admin,
      body: { checklist: 'esc', expectedDoorToWireMinutes: 75 },
    })
    expect(r.status).toBe(200)
    const [net] = await t.sql`select settings from networks where id = ${DEMO_NETWORK_ID}`
    expect(net!.settings).toMatchObject({ checklist: 'esc', expectedDoorToWireMinutes: 75 })
    const bad = await t.call('PATCH', '/api/admin/settings', { token: admin, body: { checklist: 'us' } })
    expect(await json(bad)).toMatchObject({ error: { field: 'checklist' } })
    const tz = await t.call('PATCH', '/api/admin/settings', {
      token: admin,
      body: { timezone: 'Mars/Olympus' },
    })
    expect(await json(tz)).toMatchObject({ error: { field: 'timezone' } })
    const audit = await json(
      await t.call('GET', '/api/admin/audit?entity=network', { token: await t.login('qa') }),
    )
    expect(audit.entries).toHaveLength(1)
    expect(audit.entries[0]).toMatchObject({
      action: 'network.update',
      actorUsername: 'admin',
      before: { settings: { checklist: 'cn' } },
      after: { settings: { checklist: 'esc' } },
    })
  })

  it('lists each cardiologist with push devices for readiness', async () => {
    await t.sql`insert into push_subscriptions (user_id, endpoint, p256dh, auth, last_success_at)
                values (${drChen}, 'https://fcm.googleapis.com/fcm/send/c1', 'k', 'a', now())`
    const r = await json(await t.call('GET', '/api/admin/readiness', { token: admin }))
    const chen = r.cardiologists.find((c: { username: string }) => c.username === 'dr.chen')
    expect(chen).toMatchObject({ subscriptions: 1, onCallNow: 'first' })
    expect(chen.lastSuccessAt).toBeTruthy()
    expect(r.cardiologists.map((c: { username: string }) => c.username).sort()).toEqual([
      'dr.chen',
      'dr.lin',
      'dr.wang',
    ])
  })
})
