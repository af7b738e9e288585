/**
 * The caches of the ingest path (bench/PROFILE.md, "Profile of an event POST"): sessions held a
 * few seconds per process (api/http/session-cache.ts) and timelines read as deltas under the
 * case lock (workflows/runtime/timeline-cache.ts). Each is shown to give way: to changes made in
 * this process at once, to changes made by another process within its bound.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../api/app.ts'
import { SESSION_CACHE_MS, SESSIONS_CHANGED_CHANNEL, SessionCache } from '../../api/http/session-cache.ts'
import { demoId } from '../../fixtures/demo-network.ts'
import { TimelineCache } from '../../workflows/runtime/timeline-cache.ts'
import { testEnv, type TestEnv } from '../harness.ts'

const LANTIAN = demoId('facility:lantian')
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString()
type Json = Record<string, any>

let t: TestEnv
beforeAll(async () => {
  t = await testEnv()
})
afterAll(async () => t.close())

/** A second API process on the same database: its own caches, the same pool and job queue. */
function otherProcess() {
  const app = createApp({
    ...t.deps,
    sessions: new SessionCache(),
    rt: { ...t.deps.rt, timelines: new TimelineCache() },
  })
  return (method: string, path: string, o: { token: string; body?: unknown }) =>
    Promise.resolve(
      app.request(path, {
        method,
        headers: {
          authorization: `Bearer ${o.token}`,
          ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
      }),
    )
}

async function startCase(token: string) {
  const id = crypto.randomUUID()
  const r = await t.call('POST', '/api/cases', {
    token,
    body: {
      id,
      facilityId: LANTIAN,
      patient: { sex: 'male', age: 61, weightKg: 70 },
      firstMedicalContactAt: minutesAgo(2),
      arrivalMode: 'walk_in',
    },
  })
  expect(r.status).toBe(201)
  return id
}

const note = (text: string) => ({
  id: crypto.randomUUID(),
  type: 'note',
  at: new Date().toISOString(),
  facilityId: LANTIAN,
  text,
})

describe('session cache', () => {
  it('a session ended or a person disabled by another process is refused within the bound', async () => {
    const token = await t.login('xiping')
    expect((await t.call('GET', '/api/me', { token })).status).toBe(200) // now held
    // Another process ends every session of the person (its "sign out everywhere").
    await t.sql`delete from sessions where user_id = (select id from users where username = 'xiping')`
    // Until its entry is SESSION_CACHE_MS old this process may still accept it (not asserted:
    // that would be a timed assertion); back-dated by the bound, it asks the database again.
    t.deps.sessions!.backdate(SESSION_CACHE_MS)
    expect((await t.call('GET', '/api/me', { token })).status).toBe(401)

    const again = await t.call('POST', '/api/auth/login', {
      body: { username: 'village.a', password: 'demo1234' },
    })
    const { token: v } = (await again.json()) as { token: string }
    expect((await t.call('GET', '/api/me', { token: v })).status).toBe(200)
    await t.sql`update users set active = false where username = 'village.a'`
    t.deps.sessions!.backdate(SESSION_CACHE_MS)
    expect((await t.call('GET', '/api/me', { token: v })).status).toBe(401)
    await t.sql`update users set active = true where username = 'village.a'`
  })

  it("another process's sign-out, disable or role change reaches this cache by notification", async () => {
    // A cache whose time limit cannot be what empties it during the test: only the triggers of
    // migrations/0022_session_changes.sql (LISTEN/NOTIFY) can.
    const cache = new SessionCache(3_600_000)
    const unlisten = await cache.listen(t.sql)
    try {
      const [user] = await t.sql<any[]>`select * from users where username = 'lantian'`
      // Notifications arrive in order: once a marker sent now has emptied the cache, so has every
      // change before it (the previous test's, delivered late on a busy machine, would otherwise
      // empty the cache in the middle of a check and shift every answer by one).
      const settled = async () => {
        cache.set('marker', user)
        await t.sql`select pg_notify(${SESSIONS_CHANGED_CHANNEL}, 'marker')`
        for (let i = 0; i < 100 && cache.get('marker'); i++) await new Promise((r) => setTimeout(r, 20))
        expect(cache.get('marker')).toBeUndefined()
      }
      const emptied = async (change: () => Promise<unknown>) => {
        await settled()
        cache.set('h', user)
        expect(cache.get('h')).toBeDefined()
        await change()
        for (let i = 0; i < 100 && cache.get('h'); i++) await new Promise((r) => setTimeout(r, 50))
        return cache.get('h') === undefined
      }
      expect(await emptied(() => t.sql`delete from sessions where token_hash = 'no such session'`)).toBe(true)
      expect(await emptied(() => t.sql`update users set active = active where username = 'lantian'`)).toBe(
        true,
      )
      expect(await emptied(() => t.sql`update user_roles set role = role where user_id = ${user.id}`)).toBe(
        true,
      )
      // Reading is not a change: a cache entry survives unrelated writes and reads.
      await settled()
      cache.set('h', user)
      await t.sql`select 1 from sessions limit 1`
      await new Promise((r) => setTimeout(r, 300))
      expect(cache.get('h')).toBeDefined()
    } finally {
      await unlisten()
    }
  })

  it('sign-out and an admin disabling a person through this process are refused at once', async () => {
    const r = await t.call('POST', '/api/auth/login', { body: { username: 'dr.wang', password: 'demo1234' } })
    const { token } = (await r.json()) as { token: string }
    expect((await t.call('GET', '/api/me', { token })).status).toBe(200)
    expect((await t.call('POST', '/api/auth/logout', { token })).status).toBe(200)
    expect((await t.call('GET', '/api/me', { token })).status).toBe(401)

    const lin = await t.login('dr.lin')
    expect((await t.call('GET', '/api/me', { token: lin })).status).toBe(200)
    const admin = await t.login('admin')
    const [u] = await t.sql<{ id: string }[]>`select id from users where username = 'dr.lin'`
    const off = await t.call('POST', `/api/admin/users/${u!.id}/deactivate`, {
      token: admin,
      body: { force: true },
    })
    expect(off.status).toBe(200)
    expect((await t.call('GET', '/api/me', { token: lin })).status).toBe(401)
  })

  it('holds only accepted sessions: an unknown token always asks the database', async () => {
    expect((await t.call('GET', '/api/me', { token: 'not-a-session' })).status).toBe(401)
    const token = await t.login('crew120')
    expect((await t.call('GET', '/api/me', { token })).status).toBe(200)
    expect((await t.call('GET', '/api/me', { token: token + 'x' })).status).toBe(401)
  })
})

describe('timeline cache', () => {
  it('an event recorded by another process is in the next fold of this one', async () => {
    const token = await t.login('lantian')
    const caseId = await startCase(token)
    const first = await t.call('POST', `/api/cases/${caseId}/events`, { token, body: note('a') })
    expect(first.status).toBe(201)
    const held = t.deps.rt.timelines!.held(caseId)!
    expect(held).toBeGreaterThan(0)
    const before = (
      await t.sql<{ n: number }[]>`select count(*)::int as n from case_events where case_id = ${caseId}`
    )[0]!.n
    expect(held).toBe(before - 1) // what was read under the lock; its own event comes next time

    // Another process records the first ECG: this process's cached timeline does not have it.
    const b = otherProcess()
    const ecg = await b('POST', `/api/cases/${caseId}/events`, {
      token,
      body: {
        id: crypto.randomUUID(),
        type: 'ecg_acquired',
        at: new Date().toISOString(),
        facilityId: LANTIAN,
      },
    })
    expect(ecg.status).toBe(201)
    const firstEcgOf = (j: Json) => j.case.deadlines.find((d: Json) => d.rule === 'first_ecg')
    expect(firstEcgOf((await ecg.json()) as Json)?.status).toBe('met')

    const next = await t.call('POST', `/api/cases/${caseId}/events`, { token, body: note('b') })
    expect(next.status).toBe(201)
    const nextJson = (await next.json()) as Json
    expect(firstEcgOf(nextJson)?.status).toBe('met')
    const after = (
      await t.sql<{ n: number }[]>`select count(*)::int as n from case_events where case_id = ${caseId}`
    )[0]!.n
    expect(t.deps.rt.timelines!.held(caseId)).toBe(after - 1)
    // The same answer as a fold of the whole stored timeline (the case view reads it all).
    const view = (await (await t.call('GET', `/api/cases/${caseId}`, { token })).json()) as Json
    expect(view.phase).toBe(nextJson.case.phase)
  })

  it('one event id offered to two cases at once is stored once: the other answer is 409', async () => {
    const token = await t.login('lantian')
    const [a, b] = [await startCase(token), await startCase(token)]
    const body = note('same id')
    const statuses = (
      await Promise.all([
        t.call('POST', `/api/cases/${a}/events`, { token, body }),
        t.call('POST', `/api/cases/${b}/events`, { token, body }),
      ])
    ).map((r) => r.status)
    expect(statuses.sort()).toEqual([201, 409])
    const rows = await t.sql`select case_id from case_events where id = ${body.id}`
    expect(rows).toHaveLength(1)
  })
})
