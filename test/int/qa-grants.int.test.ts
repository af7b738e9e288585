import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { seedHistory } from '../../fixtures/history.ts'
import { DEMO_NETWORK_ID, SECOND_NETWORK_ID } from '../../fixtures/seed-demo.ts'
import { testEnv, type TestEnv } from '../harness.ts'

/**
 * Province QA read access managed by the network admin (/api/admin/qa-grants, docs/qa-api.md
 * "Province"): grant by login name, list, revoke, each refusal, audited, network-scoped; and the
 * granted QA user's GET /api/province/metrics follows the grants at once.
 */
const json = (r: Response): Promise<any> => r.json()
const QA2 = demoId('user:qa2')
const QA = demoId('user:qa')
const PERIOD = 'from=2024-01-01&to=2024-07-01&groupBy=network'

let t: TestEnv
let admin: string
let admin2: string
beforeAll(async () => {
  t = await testEnv({ workers: false })
  // Cases in the granting network (the demo network): its aggregates are what a grant opens.
  expect(
    await seedHistory(t.sql, 3, { perMonth: 20, until: new Date('2024-07-01T00:00:00+08:00') }),
  ).toBeGreaterThan(0)
  admin = await t.login('admin')
  admin2 = await t.login('admin2')
})
afterAll(async () => t?.close())

const grants = (token: string) => t.call('GET', '/api/admin/qa-grants', { token })
const grant = (token: string, body: unknown) => t.call('POST', '/api/admin/qa-grants', { token, body })
const revoke = (token: string, userId: string) =>
  t.call('DELETE', `/api/admin/qa-grants/${userId}`, { token })
const province = async (username: string) =>
  t.call('GET', `/api/province/metrics?${PERIOD}`, { token: await t.login(username) })
/** The rows a grant or revoke may write: a refused request must leave both as they were. */
const written = async () =>
  (
    await t.sql<{ grants: number; audit: number }[]>`
      select (select count(*)::int from qa_network_grants) as grants,
             (select count(*)::int from audit_log where entity = 'qa_grant') as audit`
  )[0]!
const auditRows = () => t.sql<
  { networkId: string; actorId: string; action: string; entityId: string; before: any; after: any }[]
>`
  select network_id as "networkId", actor_id as "actorId", action, entity_id as "entityId", before, after
    from audit_log where entity = 'qa_grant' order by at, id`

describe('/api/admin/qa-grants', () => {
  it('grants a QA user of another network by login name; the list names them, their network, who granted and when; audited', async () => {
    expect(await json(await grants(admin))).toEqual({ grants: [] })
    expect((await province('qa2')).status).toBe(403)

    // Login names are matched as typed by a person: case and surrounding spaces do not matter.
    const r = await grant(admin, { username: ' QA2 ' })
    expect(r.status).toBe(201)
    const made = (await json(r)).grant
    expect(made).toEqual({
      userId: QA2,
      username: 'qa2',
      displayName: '永春质控 QA2',
      network: { name: expect.any(String), nameEn: expect.anything() },
      grantedAt: expect.any(String),
      grantedBy: { id: demoId('user:admin'), username: 'admin', displayName: expect.any(String) },
    })
    const [net2] = await t.sql<{ name: string }[]>`select name from networks where id = ${SECOND_NETWORK_ID}`
    expect(made.network.name).toBe(net2!.name)
    expect(await json(await grants(admin))).toEqual({ grants: [made] })

    const rows = await auditRows()
    expect(rows).toEqual([
      {
        networkId: DEMO_NETWORK_ID,
        actorId: demoId('user:admin'),
        action: 'qa_grant.create',
        entityId: QA2,
        before: null,
        after: { userId: QA2, username: 'qa2', displayName: '永春质控 QA2', network: net2!.name },
      },
    ])
    // In the admin's trail (and its QA's), as every admin change.
    const trail = await json(await t.call('GET', '/api/admin/audit?entity=qa_grant', { token: admin }))
    expect(trail.entries.map((e: any) => [e.action, e.entityId, e.actorUsername])).toEqual([
      ['qa_grant.create', QA2, 'admin'],
    ])
  })

  it("the granted QA user's province metrics include the granting network, with its aggregates", async () => {
    const r = await province('qa2')
    expect(r.status).toBe(200)
    const body = await json(r)
    expect(body.networkIds).toEqual([DEMO_NETWORK_ID, SECOND_NETWORK_ID].sort())
    const demo = body.metrics.filter((m: any) => m.group === DEMO_NETWORK_ID)
    expect(demo.length).toBeGreaterThan(0)
    expect(demo.some((m: any) => m.n > 0)).toBe(true)
  })

  it('refuses, naming the field and writing nothing: unknown / not QA / deactivated alike, own network, already granted, bad bodies', async () => {
    // A deactivated QA user of the other network (created and deactivated by its own admin).
    const made = await json(
      await t.call('POST', '/api/admin/users', {
        token: admin2,
        body: { username: 'qa2.gone', displayName: '离职质控', roles: ['qa'] },
      }),
    )
    expect(
      (await t.call('POST', `/api/admin/users/${made.user.id}/deactivate`, { token: admin2 })).status,
    ).toBe(200)
    const before = await written()

    const refusal = async (body: unknown) => {
      const r = await grant(admin, body)
      return { status: r.status, error: (await json(r)).error }
    }
    // Another network's people: one answer whether the name is unknown, not QA or deactivated,
    // so the form tells nothing about the other network's roles or staff changes.
    const unknown = await refusal({ username: 'nobody.here' })
    expect(unknown).toMatchObject({ status: 422, error: { code: 'qa_grantee_unknown', field: 'username' } })
    expect(unknown.error.message).toBeTruthy()
    expect(unknown.error.messageZh).toBeTruthy()
    for (const username of ['dr.yong', 'admin2', 'township2', 'qa2.gone'])
      expect([username, await refusal({ username })]).toEqual([username, unknown])

    for (const username of ['qa', 'admin', 'dr.chen'])
      expect([username, await refusal({ username })]).toEqual([
        username,
        {
          status: 422,
          error: expect.objectContaining({ code: 'qa_grantee_own_network', field: 'username' }),
        },
      ])
    expect(await refusal({ username: 'qa2' })).toMatchObject({
      status: 409,
      error: { code: 'qa_grant_exists', field: 'username' },
    })
    for (const body of [{}, { username: '' }, { username: 'x' }, { username: 'a b' }, { username: 7 }])
      expect([body, await refusal(body)]).toEqual([
        body,
        { status: 422, error: expect.objectContaining({ code: 'invalid', field: 'username' }) },
      ])
    for (const body of [[], null, '"qa2"']) expect([body, (await refusal(body)).status]).toEqual([body, 422])
    expect((await refusal({ username: 'qa2', networkId: DEMO_NETWORK_ID })).status).toBe(422)
    const bad = await t.call('POST', '/api/admin/qa-grants', { token: admin, body: '{"username":' })
    expect([bad.status, (await json(bad)).error.code]).toEqual([400, 'bad_json'])
    expect(await written()).toEqual(before)
  })

  it('two grants of the same user at once: one 201, one 409, one row', async () => {
    await t.sql`delete from qa_network_grants`
    const answers = await Promise.all([grant(admin, { username: 'qa2' }), grant(admin, { username: 'qa2' })])
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409])
    expect((await json(await grants(admin))).grants.map((g: any) => g.userId)).toEqual([QA2])
  })

  it('other roles 403, no session 401, on every operation', async () => {
    const before = await written()
    for (const who of ['qa', 'qa2', 'dr.chen', 'lantian', 'cathlab']) {
      const token = await t.login(who)
      expect([who, (await grants(token)).status]).toEqual([who, 403])
      expect([who, (await grant(token, { username: 'qa2' })).status]).toEqual([who, 403])
      expect([who, (await revoke(token, QA2)).status]).toEqual([who, 403])
    }
    expect((await t.call('GET', '/api/admin/qa-grants')).status).toBe(401)
    expect((await t.call('POST', '/api/admin/qa-grants', { body: { username: 'qa2' } })).status).toBe(401)
    expect((await t.call('DELETE', `/api/admin/qa-grants/${QA2}`)).status).toBe(401)
    expect(await written()).toEqual(before)
  })

  it("an admin of another network neither sees nor revokes this network's grants", async () => {
    // The second network grants the demo QA its own aggregates: each admin sees only their own.
    expect((await grant(admin2, { username: 'qa' })).status).toBe(201)
    expect((await json(await grants(admin2))).grants.map((g: any) => g.userId)).toEqual([QA])
    expect((await json(await grants(admin))).grants.map((g: any) => g.userId)).toEqual([QA2])
    const before = await written()
    const theirs = await revoke(admin2, QA2)
    expect([theirs.status, (await json(theirs)).error.code]).toEqual([404, 'not_found'])
    expect((await revoke(admin, QA)).status).toBe(404)
    expect(await written()).toEqual(before)
    // Neither network's audit trail shows the other's grants.
    const trail2 = await json(await t.call('GET', '/api/admin/audit?entity=qa_grant', { token: admin2 }))
    expect(trail2.entries.map((e: any) => e.entityId)).toEqual([QA])
    const trail = await json(await t.call('GET', '/api/admin/audit?entity=qa_grant', { token: admin }))
    expect(trail.entries.every((e: any) => e.entityId === QA2)).toBe(true)
  })

  it('revokes: the grant goes, the province metrics refuse at once, audited; a repeat is 404 and writes nothing', async () => {
    expect((await province('qa2')).status).toBe(200)
    const r = await revoke(admin, QA2)
    expect(r.status).toBe(200)
    expect((await json(r)).revoked).toMatchObject({ userId: QA2, username: 'qa2' })
    expect((await json(await grants(admin))).grants).toEqual([])
    const refused = await province('qa2')
    expect([refused.status, (await json(refused)).error.code]).toEqual([403, 'forbidden'])
    // The other network's grant to the demo QA is untouched.
    expect((await json(await province('qa'))).networkIds).toEqual([DEMO_NETWORK_ID, SECOND_NETWORK_ID].sort())

    const last = (await auditRows()).at(-1)!
    expect(last).toEqual({
      networkId: DEMO_NETWORK_ID,
      actorId: demoId('user:admin'),
      action: 'qa_grant.revoke',
      entityId: QA2,
      before: expect.objectContaining({ userId: QA2, username: 'qa2' }),
      after: null,
    })
    const before = await written()
    const again = await revoke(admin, QA2)
    expect([again.status, (await json(again)).error.code]).toEqual([404, 'not_found'])
    expect((await revoke(admin, 'not-a-uuid')).status).toBe(404)
    expect(await written()).toEqual(before)

    // Granted again after a revoke: a fresh grant, audited again.
    expect((await grant(admin, { username: 'qa2' })).status).toBe(201)
    expect((await province('qa2')).status).toBe(200)
  })
})
