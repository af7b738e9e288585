import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../../workflows/runtime/platform/connect.ts'
import { listMigrations, migrate } from '../../workflows/runtime/platform/migrate.ts'
import { fromPostgresJs } from '../../workflows/runtime/boss.ts'
import { demoId } from '../../fixtures/demo-network.ts'
import { DEMO_NETWORK_ID } from '../../fixtures/seed-demo.ts'
import { freshDatabase, testEnv, type TestEnv } from '../harness.ts'
import { SESSION_CACHE_MS } from '../../api/http/session-cache.ts'

describe('migrations', () => {
  it('apply to an empty database, are idempotent, and are safe when two processes start at once', async () => {
    const db = await freshDatabase()
    const s = connect(db.url, 4)
    try {
      // The template already holds them: start from a truly empty schema.
      await s.unsafe('drop schema public cascade; create schema public; drop schema if exists pgboss cascade')
      const a = connect(db.url, 2)
      const b = connect(db.url, 2)
      const [ra, rb] = await Promise.all([migrate(a), migrate(b)])
      await Promise.all([a.end(), b.end()])
      const all = listMigrations().map((m) => m.version)
      expect([...ra, ...rb].sort()).toEqual(all) // each applied exactly once, by one of the two
      expect(await migrate(s)).toEqual([])
      const rows = await s<{ version: string }[]>`select version from schema_migrations order by version`
      expect(rows.map((r) => r.version)).toEqual(all)
    } finally {
      await s.end()
      await db.drop()
    }
  })
})

describe('foundation', () => {
  let t: TestEnv
  beforeAll(async () => {
    t = await testEnv()
  })
  afterAll(async () => t.close())

  it('case_events refuses UPDATE, DELETE and TRUNCATE', async () => {
    const caseId = crypto.randomUUID()
    const eventId = crypto.randomUUID()
    await t.sql`insert into cases (id, network_id, facility_id, patient, created_by)
                values (${caseId}, ${DEMO_NETWORK_ID}, ${demoId('facility:lantian')}, ${t.sql.json({ sex: 'male', age: 58 })},
                        ${demoId('user:lantian')})`
    await t.sql`insert into case_events (id, case_id, type, at, by, data)
                values (${eventId}, ${caseId}, 'note', now(), ${demoId('user:lantian')}, ${t.sql.json({ text: 'x' })})`
    await expect(t.sql`update case_events set at = now() where id = ${eventId}`).rejects.toThrow(
      /append-only/,
    )
    await expect(t.sql`delete from case_events where id = ${eventId}`).rejects.toThrow(/append-only/)
    await expect(t.sql`truncate case_events cascade`).rejects.toThrow(/append-only/)
    const [row] = await t.sql`select count(*)::int as n from case_events where id = ${eventId}`
    expect(row!.n).toBe(1)
  })

  it('pg-boss enqueues inside a postgres.js transaction: rollback leaves no job, commit keeps it', async () => {
    const marker = crypto.randomUUID()
    await expect(
      t.sql.begin(async (tx) => {
        await t.boss.send('deadline', { marker }, { db: fromPostgresJs(tx), singletonKey: `rb:${marker}` })
        throw new Error('roll back')
      }),
    ).rejects.toThrow('roll back')
    const none = await t.sql`select id from pgboss.job where data->>'marker' = ${marker}`
    expect(none).toHaveLength(0)
    const id = await t.sql.begin(async (tx) =>
      t.boss.send(
        'deadline',
        { marker },
        { db: fromPostgresJs(tx), singletonKey: `ok:${marker}`, startAfter: 3600 },
      ),
    )
    expect(id).toBeTruthy()
    const one = await t.sql`select id, state from pgboss.job where data->>'marker' = ${marker}`
    expect(one).toHaveLength(1)
    expect(one[0]!.state).toBe('created')
  })

  it('health reports database and job queue', async () => {
    const r = await t.call('GET', '/api/health')
    expect(r.status).toBe(200)
    expect(await r.json()).toMatchObject({ ok: true, database: { ok: true }, jobs: { ok: true } })
  })
})

describe('auth', () => {
  let t: TestEnv
  beforeAll(async () => {
    t = await testEnv()
  })
  afterAll(async () => t.close())

  it('logs in with bearer token and HttpOnly SameSite=Strict cookie; passwords are hashed', async () => {
    const r = await t.call('POST', '/api/auth/login', { body: { username: 'lantian', password: 'demo1234' } })
    expect(r.status).toBe(200)
    const cookie = r.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(/xl_session=/)
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    const body = (await r.json()) as { token: string; user: Record<string, unknown> }
    expect(body.user).toMatchObject({ username: 'lantian', roles: ['township_physician'] })
    expect(body.user).not.toHaveProperty('passwordHash')
    const me = await t.call('GET', '/api/me', { token: body.token })
    expect(me.status).toBe(200)
    const viaCookie = await t.call('GET', '/api/me', { headers: { cookie: cookie.split(';')[0]! } })
    expect(viaCookie.status).toBe(200)
    const [u] = await t.sql`select password_hash from users where username = 'lantian'`
    expect(u!.password_hash).toMatch(/^scrypt\$/)
    expect(u!.password_hash).not.toContain('demo1234')
  })

  it('refuses a wrong password and an unknown user with the same 401', async () => {
    for (const body of [
      { username: 'lantian', password: 'nope' },
      { username: 'nobody', password: 'demo1234' },
    ]) {
      const r = await t.call('POST', '/api/auth/login', { body })
      expect(r.status).toBe(401)
      expect(await r.json()).toMatchObject({ error: { code: 'bad_credentials' } })
    }
  })

  it('slows password guessing on one account down with 429, without locking out the others', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await t.call('POST', '/api/auth/login', {
        body: { username: 'cathlab', password: `guess${i}` },
      })
      expect(r.status).toBe(401)
    }
    // Three more failures just now (as from other addresses): the next try waits 2^3 s.
    await t.sql`insert into login_failures (address, username) select 'elsewhere', 'cathlab' from generate_series(1, 3)`
    const blocked = await t.call('POST', '/api/auth/login', {
      body: { username: 'cathlab', password: 'demo1234' },
    })
    expect(blocked.status).toBe(429)
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0)
    // Another account from the same place is not locked out.
    expect(
      (await t.call('POST', '/api/auth/login', { body: { username: 'dr.lin', password: 'demo1234' } }))
        .status,
    ).toBe(200)
    await t.sql`delete from login_failures`
  })

  it('answers 401 without a session, after expiry and after logout', async () => {
    expect((await t.call('GET', '/api/me')).status).toBe(401)
    expect((await t.call('GET', '/api/network')).status).toBe(401)
    const token = await t.login('qa')
    expect((await t.call('GET', '/api/me', { token })).status).toBe(200)
    await t.sql`update sessions set expires_at = now() - interval '1 second'
                 where user_id = (select id from users where username = 'qa')`
    // A change made behind this process's back is seen once its session cache entry is older than
    // SESSION_CACHE_MS (api/http/session-cache.ts): back-dated here instead of waiting.
    t.deps.sessions?.backdate(SESSION_CACHE_MS)
    expect((await t.call('GET', '/api/me', { token })).status).toBe(401)

    const r = await t.call('POST', '/api/auth/login', { body: { username: 'admin', password: 'demo1234' } })
    const { token: t2 } = (await r.json()) as { token: string }
    expect((await t.call('POST', '/api/auth/logout', { token: t2 })).status).toBe(200)
    expect((await t.call('GET', '/api/me', { token: t2 })).status).toBe(401)
  })

  it('rejects invalid bodies with 422 naming the field, 400 for non-JSON, and writes nothing', async () => {
    const before = await t.sql`select count(*)::int as n from sessions`
    const r = await t.call('POST', '/api/auth/login', { body: { username: 'lantian' } })
    expect(r.status).toBe(422)
    expect(await r.json()).toMatchObject({ error: { code: 'invalid', field: 'password' } })
    const bad = await t.call('POST', '/api/auth/login', { body: '{not json' })
    expect(bad.status).toBe(400)
    const after = await t.sql`select count(*)::int as n from sessions`
    expect(after[0]!.n).toBe(before[0]!.n)
  })

  it('shows each user only their own network', async () => {
    const mine = await (await t.call('GET', '/api/network', { token: await t.login('lantian') })).json()
    const theirs = await (await t.call('GET', '/api/network', { token: await t.login('township2') })).json()
    const ids = (x: { facilities: { id: string }[] }) => new Set(x.facilities.map((f) => f.id))
    expect(ids(mine as never).has(demoId('facility:lantian'))).toBe(true)
    expect(ids(theirs as never).has(demoId('facility:lantian'))).toBe(false)
    expect((mine as { facilities: unknown[] }).facilities.length).toBeGreaterThanOrEqual(29)
  })
})
