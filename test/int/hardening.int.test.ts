import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { testEnv, type TestEnv } from '../harness.ts'
import { openStream } from '../sse.ts'

let t: TestEnv
beforeAll(async () => {
  t = await testEnv({
    env: {
      XINLIAN_TRUST_PROXY: 'x-forwarded-for',
      XINLIAN_TRUST_PROXY_HOPS: '1',
      XINLIAN_STREAM_RECHECK_SECONDS: '0.2',
    },
  })
})
afterAll(async () => t.close())

const iso = (msAgo = 0) => new Date(Date.now() - msAgo).toISOString()
const code = async (r: Response) => ((await r.json()) as { error?: { code?: string; field?: string } }).error

async function cookieOf(username: string): Promise<string> {
  const r = await t.call('POST', '/api/auth/login', { body: { username, password: 'demo1234' } })
  expect(r.status).toBe(200)
  return (r.headers.get('set-cookie') ?? '').split(';')[0]!
}

async function startCase(): Promise<string> {
  const id = randomUUID()
  const r = await t.call('POST', '/api/cases', {
    token: await t.login('lantian'),
    body: {
      id,
      facilityId: demoId('facility:lantian'),
      patient: { sex: 'male', age: 58 },
      firstMedicalContactAt: iso(60_000),
    },
  })
  expect(r.status).toBe(201)
  return id
}

const eventCount = async () =>
  (await t.sql<{ n: number }[]>`select count(*)::int as n from case_events`)[0]!.n

describe('consult acknowledgement', () => {
  it('only a cardiologist may acknowledge a consult (the escalation is not silenced by anyone else)', async () => {
    const caseId = await startCase()
    for (const who of ['lantian', 'cathlab']) {
      const r = await t.call('POST', `/api/cases/${caseId}/events`, {
        token: await t.login(who),
        body: { id: randomUUID(), at: iso(), type: 'consult_acknowledged' },
      })
      expect(r.status).toBe(403)
      expect((await code(r))?.code).toBe('consult_not_cardiologist')
    }
    expect(
      await t.sql`select 1 from case_events where case_id = ${caseId} and type = 'consult_acknowledged'`,
    ).toHaveLength(0)
    const ok = await t.call('POST', `/api/cases/${caseId}/events`, {
      token: await t.login('dr.chen'),
      body: { id: randomUUID(), at: iso(), type: 'consult_acknowledged' },
    })
    expect(ok.status).toBe(201)
  })
})

describe('CSRF and content types', () => {
  it('refuses cookie-authenticated writes from another site, whatever the content type', async () => {
    const caseId = await startCase()
    const cookie = await cookieOf('lantian')
    const before = await eventCount()
    const body = JSON.stringify({
      id: randomUUID(),
      at: iso(),
      type: 'note',
      text: 'x',
      facilityId: demoId('facility:lantian'),
    })
    const attempts: [Record<string, string>, number, string][] = [
      [{ origin: 'https://evil.example', 'content-type': 'application/json' }, 403, 'cross_site'],
      [{ 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }, 403, 'cross_site'],
      [{ 'sec-fetch-site': 'same-site', 'content-type': 'application/json' }, 403, 'cross_site'],
      [{ origin: 'null', 'content-type': 'text/plain' }, 403, 'cross_site'],
    ]
    for (const [headers, status, expected] of attempts) {
      const r = await t.app.request(`/api/cases/${caseId}/events`, {
        method: 'POST',
        headers: { cookie, ...headers },
        body,
      })
      expect(r.status).toBe(status)
      expect((await code(r))?.code).toBe(expected)
    }
    expect(await eventCount()).toBe(before)
    // Our own page (same origin) is fine.
    const own = await t.app.request(`/api/cases/${caseId}/events`, {
      method: 'POST',
      headers: {
        cookie,
        'sec-fetch-site': 'same-origin',
        origin: 'http://localhost',
        'content-type': 'application/json',
      },
      body,
    })
    expect(own.status).toBe(201)
  })

  it('requires application/json on JSON endpoints (415), even with a bearer token', async () => {
    const caseId = await startCase()
    const token = await t.login('lantian')
    const before = await eventCount()
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const r = await t.app.request(`/api/cases/${caseId}/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': type },
        body: JSON.stringify({ id: randomUUID(), at: iso(), type: 'consult_acknowledged' }),
      })
      expect(r.status).toBe(415)
      expect((await code(r))?.code).toBe('unsupported_media_type')
    }
    expect(await eventCount()).toBe(before)
  })

  it('the admin import: multipart without a boundary is a 422 naming content-type, not a 500', async () => {
    const r = await t.app.request('/api/admin/import?dryRun=1', {
      method: 'POST',
      headers: { authorization: `Bearer ${await t.login('admin')}`, 'content-type': 'multipart/form-data' },
      body: 'facilities=x',
    })
    expect(r.status).toBe(422)
    expect(await code(r)).toMatchObject({ code: 'invalid', field: 'content-type' })
  })
})

describe('request limits', () => {
  it('refuses a JSON body over 1 MB on an anonymous route with 413', async () => {
    const big = JSON.stringify({ username: 'x'.repeat(2 * 1024 * 1024), password: 'y' })
    const r = await t.call('POST', '/api/auth/login', { body: big })
    expect(r.status).toBe(413)
    expect((await code(r))?.code).toBe('too_large')
  })

  it('over a real socket: a declared Content-Length over the limit and a chunked body over it are both 413; under it both pass', async () => {
    const { serve } = await import('@hono/node-server')
    const http = await import('node:http')
    const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise((r) => server.once('listening', r))
    const port = (server.address() as { port: number }).port
    // The body goes out in 64 KiB pieces and stops once the answer is in: the server answers a
    // body it refuses without reading the rest (then drops the connection, as a client sees it).
    const post = (body: string, chunked: boolean) =>
      new Promise<{ status: number; code?: string }>((resolve, reject) => {
        let answered = false
        const req = http.request({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/auth/login',
          headers: {
            'content-type': 'application/json',
            ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': Buffer.byteLength(body) }),
          },
        })
        req.on('response', (res) => {
          answered = true
          let text = ''
          res.on('data', (d: Buffer) => (text += d.toString()))
          res.on('end', () =>
            resolve({ status: res.statusCode!, code: JSON.parse(text || '{}').error?.code }),
          )
        })
        req.on('error', (e) => (answered ? undefined : reject(e)))
        const send = async () => {
          for (let i = 0; i < body.length && !answered; i += 64 * 1024) {
            if (!req.write(body.slice(i, i + 64 * 1024))) await new Promise((r) => req.once('drain', r))
            await new Promise((r) => setImmediate(r))
          }
          if (!answered) req.end()
        }
        void send().catch(() => {})
      })
    try {
      const big = JSON.stringify({ username: 'x'.repeat(2 * 1024 * 1024), password: 'y' })
      const small = JSON.stringify({ username: 'nobody', password: 'wrong password' })
      expect(await post(big, false)).toEqual({ status: 413, code: 'too_large' })
      expect(await post(big, true)).toEqual({ status: 413, code: 'too_large' })
      expect((await post(small, false)).status).toBe(401)
      expect((await post(small, true)).status).toBe(401)
    } finally {
      await new Promise((r) => server.close(r))
    }
  })

  it('redeem: a malformed code is refused before any work; the throttle is per trusted client address', async () => {
    const post = (ip: string, codeText = 'ABCD-EFGH-JKMN') =>
      t.call('POST', '/api/auth/redeem', {
        body: { username: 'nobody', code: codeText, newPassword: 'long enough pw' },
        headers: { 'x-forwarded-for': `203.0.113.9, ${ip}` },
      })
    const malformed = await post('198.51.100.1', 'not a code!')
    expect(malformed.status).toBe(401)
    const statuses: number[] = []
    for (let i = 0; i < 11; i++) statuses.push((await post('198.51.100.2')).status)
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true)
    expect(statuses[10]).toBe(429)
    // The left-most X-Forwarded-For entry is the client's to write: only the proxy's hop counts.
    expect((await post('198.51.100.3')).status).toBe(401)
    const [row] = await t.sql<{ hits: number }[]>`
      select hits from request_throttle where key = 'redeem:addr:198.51.100.2'`
    expect(row?.hits).toBe(11)
    expect(await t.sql`select 1 from request_throttle where key like '%203.0.113.9%'`).toHaveLength(0)
  })
})

describe('headers', () => {
  it('CSP forbids plugins, base and foreign form targets; frames denied; no HSTS over http', async () => {
    const r = await t.app.request('/api/health')
    const csp = r.headers.get('content-security-policy') ?? ''
    for (const d of ["object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"])
      expect(csp).toContain(d)
    expect(r.headers.get('x-frame-options')).toBe('DENY')
    expect(r.headers.get('strict-transport-security')).toBeNull()
  })
})

describe('sessions', () => {
  it('an admin password reset ends the user’s sessions at once', async () => {
    const token = await t.login('xiping')
    expect((await t.call('GET', '/api/me', { token })).status).toBe(200)
    const r = await t.call('POST', `/api/admin/users/${demoId('user:xiping')}/reset-password`, {
      token: await t.login('admin'),
    })
    expect(r.status).toBe(200)
    expect((await t.call('GET', '/api/me', { token })).status).toBe(401)
  })

  it('a deactivated user’s open live stream is told and closed', async () => {
    const token = await t.login('longjuan')
    const stream = await openStream(t, token)
    await stream.waitFor((e) => e.event === 'hello')
    const r = await t.call('POST', `/api/admin/users/${demoId('user:longjuan')}/deactivate`, {
      token: await t.login('admin'),
    })
    expect(r.status).toBe(200)
    await stream.waitFor((e) => e.event === 'signed_out')
    stream.close()
  })
})

describe('corrections', () => {
  it('cannot move an arrival to another network’s facility', async () => {
    const caseId = await startCase()
    const token = await t.login('lantian')
    const arrival = randomUUID()
    const a = await t.call('POST', `/api/cases/${caseId}/events`, {
      token,
      body: { id: arrival, at: iso(30_000), type: 'arrived', facilityId: demoId('facility:county') },
    })
    expect(a.status).toBe(201)
    const before = await eventCount()
    const r = await t.call('POST', `/api/cases/${caseId}/events`, {
      token,
      body: {
        id: randomUUID(),
        at: iso(),
        type: 'correction',
        eventId: arrival,
        changes: { facilityId: demoId('facility:net2-county') },
        reason: 'wrong hospital',
      },
    })
    expect(r.status).toBe(422)
    expect(await code(r)).toMatchObject({ code: 'unknown_facility', field: 'changes.facilityId' })
    expect(await eventCount()).toBe(before)
  })
})

describe('input PostgreSQL cannot store', () => {
  it('is a 422 naming the field and changes nothing: NUL, lone surrogates, impossible or out-of-window dates, deep nesting, bad ids', async () => {
    const caseId = await startCase()
    const token = await t.login('lantian')
    const arrival = randomUUID()
    expect(
      (
        await t.call('POST', `/api/cases/${caseId}/events`, {
          token,
          body: { id: arrival, at: iso(30_000), type: 'arrived', facilityId: demoId('facility:county') },
        })
      ).status,
    ).toBe(201)
    let deep: unknown = 'x'
    for (let i = 0; i < 1_000; i++) deep = { a: deep }
    const lantian = demoId('facility:lantian')
    const events: [Record<string, unknown>, string][] = [
      [{ type: 'note', facilityId: lantian, text: 'a\u0000b' }, 'text'],
      [{ type: 'note', facilityId: lantian, text: 'a\uD800b' }, 'text'],
      [{ type: 'note', facilityId: lantian, text: 'ok', at: '0000-01-01T00:00:00Z' }, 'at'],
      [{ type: 'note', facilityId: lantian, text: 'ok', at: '2026-02-30T10:00:00+08:00' }, 'at'],
      [{ type: 'note', facilityId: lantian, text: 'ok', at: '1900-01-01T10:00:00+08:00' }, 'at'],
      [{ type: 'correction', eventId: arrival, changes: { bypassedEd: deep }, reason: 'x' }, 'changes'],
      [
        { type: 'correction', eventId: arrival, changes: { facilityId: 'not-a-uuid' }, reason: 'x' },
        'changes.facilityId',
      ],
      [
        { type: 'correction', eventId: arrival, changes: { at: '2026-02-30T10:00:00+08:00' }, reason: 'x' },
        'changes.at',
      ],
    ]
    const before = await eventCount()
    for (const [event, field] of events) {
      const r = await t.call('POST', `/api/cases/${caseId}/events`, {
        token,
        body: { id: randomUUID(), at: iso(), ...event },
      })
      expect(r.status, JSON.stringify(event).slice(0, 80)).toBe(422)
      expect((await code(r))?.field ?? '').toMatch(new RegExp(`^${field.replace('.', '\\.')}`))
    }
    const cases: [Record<string, unknown>, string][] = [
      [{ patient: { sex: 'male', age: 50, name: 'x\u0000' } }, 'patient.name'],
      [{ firstMedicalContactAt: '2026-02-30T10:00:00+08:00' }, 'firstMedicalContactAt'],
      [{ firstMedicalContactAt: '2031-01-01T10:00:00+08:00' }, 'firstMedicalContactAt'],
    ]
    for (const [over, field] of cases) {
      const r = await t.call('POST', '/api/cases', {
        token,
        body: {
          id: randomUUID(),
          facilityId: lantian,
          patient: { sex: 'male', age: 50 },
          firstMedicalContactAt: iso(),
          ...over,
        },
      })
      expect(r.status, JSON.stringify(over)).toBe(422)
      expect((await code(r))?.field).toBe(field)
    }
    expect(await eventCount()).toBe(before)
  })
})
