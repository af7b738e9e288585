import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testEnv, type TestEnv } from '../harness.ts'

const json = (r: Response): Promise<any> => r.json()

// A new county network, as a spreadsheet exports it (UTF-8 with BOM, CRLF, a quoted field).
const FACILITIES = [
  '\uFEFFkey,name,name_en,level,address,has_cath_lab,lysis_drugs,can_lyse,regimen_alteplase',
  'dehua,德化县医院胸痛中心,Dehua County Hospital,county,"德化县, 龙浔镇",是,tenecteplase;alteplase,,"15 mg bolus; 0.75 mg/kg/30 min; 0.5 mg/kg/60 min"',
  'shuiko,水口镇卫生院,Shuikou Town HC,township,,否,rhTNK-tPA,,',
  'shuiko-v1,水口村卫生所,Shuikou village 1,村,,,,,',
].join('\r\n')
const TRAVEL =
  'from,to,minutes,minutes_back\r\nshuiko,dehua,45,\r\nshuiko-v1,shuiko,15,\r\nshuiko-v1,dehua,55,60\r\n'
const USERS = [
  'username,display_name,roles,facilities',
  'dh.admin,德化 管理员,admin,',
  'dh.card,德化 心内科,cardiologist,dehua',
  'dh.shuiko,水口卫生院 医生,township_physician,shuiko',
].join('\n')

describe('import', () => {
  let t: TestEnv
  let token: string
  let networkId: string
  beforeAll(async () => {
    t = await testEnv()
    // A brand-new, empty network with its first admin (what api/cli/create-admin.ts does).
    const [net] =
      await t.sql`insert into networks (name, name_en) values ('德化县胸痛救治网络', 'Dehua') returning id`
    networkId = net!.id
    const [admin] = await t.sql`insert into users (network_id, username, display_name, password_hash)
                                select ${networkId}, 'dh.root', 'root', password_hash from users where username = 'admin'
                                returning id`
    await t.sql`insert into user_roles (user_id, role) values (${admin!.id}, 'admin')`
    token = await t.login('dh.root')
  })
  afterAll(async () => t.close())

  const counts = async () =>
    (
      await t.sql`select (select count(*)::int from facilities where network_id = ${networkId}) as f,
                         (select count(*)::int from travel_times where network_id = ${networkId}) as t,
                         (select count(*)::int from users where network_id = ${networkId}) as u,
                         (select count(*)::int from audit_log) as a`
    )[0]

  it('one bad row: the dry run reports it, the real run writes nothing and reports the row', async () => {
    const before = await counts()
    const bad = USERS + '\nbroken,坏行,surgeon,nowhere'
    const dry = await t.call('POST', '/api/admin/import?dryRun=1', {
      token,
      body: { facilities: FACILITIES, travel: TRAVEL, users: bad },
    })
    expect(dry.status).toBe(200)
    const report = await json(dry)
    expect(report).toMatchObject({ dryRun: true, valid: false, summary: { users: { create: 3, reject: 1 } } })
    const rejected = report.rows.filter((r: { action: string }) => r.action === 'reject')
    expect(rejected).toEqual([
      {
        file: 'users',
        line: 5,
        ref: 'broken',
        action: 'reject',
        errors: [expect.stringMatching(/roles: "surgeon"/), expect.stringMatching(/facilities: "nowhere"/)],
      },
    ])
    const real = await t.call('POST', '/api/admin/import?dryRun=0', {
      token,
      body: { facilities: FACILITIES, travel: TRAVEL, users: bad },
    })
    expect(real.status).toBe(422)
    const err = (await json(real)).error
    expect(err.code).toBe('import_invalid')
    expect(err.params.report.rows.find((r: { ref: string }) => r.ref === 'broken').line).toBe(5)
    expect(await counts()).toEqual(before)
  })

  it('refuses a facility without travel time to the county, and a township with no drug', async () => {
    const facilities = FACILITIES + '\r\nlonely,孤镇卫生院,,township,,,,,'
    const r = await json(
      await t.call('POST', '/api/admin/import', { token, body: { facilities, travel: TRAVEL } }),
    )
    const lonely = r.rows.find((x: { ref: string }) => x.ref === 'lonely')
    expect(lonely.action).toBe('reject')
    expect(lonely.errors.join(' ')).toMatch(/needs at least one lysis drug/)
    const noTravel = facilities.replace(',township,,,,,', ',township,,,,no,')
    const r2 = await json(
      await t.call('POST', '/api/admin/import?dryRun=1', {
        token,
        body: { facilities: noTravel, travel: TRAVEL },
      }),
    )
    expect(r2.rows.find((x: { ref: string }) => x.ref === 'lonely').errors).toEqual([
      expect.stringMatching(/no travel time from "lonely" to the county/),
    ])
  })

  it('a good import (multipart) creates the network; a user it created redeems the code and signs in', async () => {
    const form = new FormData()
    form.set('facilities', new File([FACILITIES], 'facilities.csv', { type: 'text/csv' }))
    form.set('travel', new File([TRAVEL], 'travel.csv', { type: 'text/csv' }))
    form.set('users', USERS)
    const r = await t.app.request('/api/admin/import?dryRun=0', {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${token}` },
    })
    expect(r.status).toBe(201)
    const body = await json(r)
    expect(body).toMatchObject({
      valid: true,
      summary: { facilities: { create: 3 }, travel: { create: 3 }, users: { create: 3 } },
    })
    expect(await counts()).toMatchObject({ f: 3, t: 6, u: 4 })
    const facilities = await json(await t.call('GET', '/api/admin/facilities', { token }))
    expect(facilities.facilities.map((f: { name: string; level: string }) => [f.name, f.level])).toEqual([
      ['德化县医院胸痛中心', 'county'],
      ['水口镇卫生院', 'township'],
      ['水口村卫生所', 'village'],
    ])
    expect(facilities.facilities[0]).toMatchObject({ hasCathLab: true, address: '德化县, 龙浔镇' })
    expect(facilities.facilities[2]).toMatchObject({ minutesToCounty: 55, minutesFromCounty: 60 })

    const physician = body.created.users.find((u: { username: string }) => u.username === 'dh.shuiko')
    const redeem = await t.call('POST', '/api/auth/redeem', {
      body: { username: 'dh.shuiko', code: physician.oneTimeCode, newPassword: 'shuikou-2024' },
    })
    expect(redeem.status).toBe(200)
    const physicianToken = await t.login('dh.shuiko', 'shuikou-2024')
    const me = await json(await t.call('GET', '/api/me', { token: physicianToken }))
    expect(me.user).toMatchObject({ networkId, roles: ['township_physician'] })
    expect(me.user.facilityIds).toEqual([facilities.facilities[1].id])
    // The township physician the import created starts a case at their health center.
    const started = await t.call('POST', '/api/cases', {
      token: physicianToken,
      body: {
        facilityId: facilities.facilities[1].id,
        patient: { sex: 'male', age: 58 },
        firstMedicalContactAt: new Date().toISOString(),
        arrivalMode: 'walk_in',
      },
    })
    expect(started.status).toBe(201)
    expect(await json(started)).toMatchObject({ phase: expect.any(String) })
    const audit =
      await t.sql`select action from audit_log where network_id = ${networkId} and action not like 'auth.%' order by id`
    expect(audit.map((a): unknown => a.action)).toEqual([
      ...Array<string>(3).fill('facility.create'),
      ...Array<string>(3).fill('travel.update'),
      ...Array<string>(3).fill('user.create'),
      'network.import',
      'user.redeem_code',
    ])

    // Importing the same file again is refused row by row (names and usernames exist).
    const again = await json(
      await t.call('POST', '/api/admin/import?dryRun=1', {
        token,
        body: { facilities: FACILITIES, users: USERS },
      }),
    )
    expect(again.valid).toBe(false)
    expect(again.summary).toMatchObject({ facilities: { reject: 3 }, users: { reject: 3 } })
  })

  it('rejects a malformed request with 422 naming the file', async () => {
    const cases: [unknown, string][] = [
      [{}, 'facilities'],
      [{ users: 'username,roles\nx,qa' }, 'users'],
      [{ travel: 'from,to,minutes\n"a,b,3' }, 'travel'],
      [{ users: 42 }, 'users'],
    ]
    for (const [body, field] of cases) {
      const r = await t.call('POST', '/api/admin/import?dryRun=1', { token, body })
      expect([field, r.status, (await json(r)).error.field]).toEqual([field, 422, field])
    }
  })
})
