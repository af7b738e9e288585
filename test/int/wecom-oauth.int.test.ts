/**
 * Signing in through WeCom's web authorization (api/routes/wecom-oauth.ts): the card's link, the
 * authorization page and `auth/getuserinfo` are WeCom's (test/fakes/wecom.ts checks appid,
 * redirect_uri, state, agentid, the access token and the one-time code as WeCom does). A link
 * alone never signs anyone in.
 */
import { setupServer } from 'msw/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { rememberDevice } from '../../workflows/runtime/security/mfa-store.ts'
import { testEnv, type TestEnv } from '../harness.ts'
import { CHANNEL_ENV, WECOM, WECOM_SETTINGS } from '../channel-support.ts'
import { startCase } from '../push-support.ts'
import { wecomAuthorize, wecomFake, type WecomCorp, type WecomFake } from '../fakes/wecom.ts'
import { WECOM_START_LIMITS } from '../../api/routes/wecom-oauth.ts'

const PUBLIC = 'https://xinlian.anxi.test'
const corp: WecomCorp = { ...WECOM_SETTINGS }
let t: TestEnv
let fake: WecomFake
let server: ReturnType<typeof setupServer>
let networkId: string
let caseId: string

beforeAll(async () => {
  fake = wecomFake(corp, WECOM)
  server = setupServer(...fake.handlers)
  server.listen({ onUnhandledRequest: 'error' })
  // A trusted proxy header, so that the throttle tests can speak from several addresses; the
  // other tests send none and count as the socket's address.
  t = await testEnv({
    env: {
      ...CHANNEL_ENV,
      PUBLIC_URL: PUBLIC,
      XINLIAN_TRUST_PROXY: 'x-forwarded-for',
      XINLIAN_TRUST_PROXY_HOPS: '1',
    },
  })
  const admin = await t.login('admin')
  const r = await t.call('PUT', '/api/admin/channels/wecom', { token: admin, body: WECOM_SETTINGS })
  expect(r.status).toBe(200)
  await t.sql`update users set wecom_user_id = 'chen' where username = 'dr.chen'`
  await t.sql`update users set wecom_user_id = 'lantian-wx' where username = 'lantian'`
  // dr.yong is a cardiologist of the other demo network, with a WeCom id of his own corp.
  await t.sql`update users set wecom_user_id = 'yong' where username = 'dr.yong'`
  networkId = (
    await t.sql<{ id: string }[]>`select network_id as id from users where username = 'dr.chen'`
  )[0]!.id
  caseId = await startCase(t)
})
afterAll(async () => {
  await t?.close()
  server?.close()
})

/** The cookies a response sets (name → value), as a browser would keep them. */
function cookiesOf(r: Response): Record<string, string> {
  const out: Record<string, string> = {}
  for (const c of r.headers.getSetCookie()) {
    const [pair] = c.split(';')
    const i = pair!.indexOf('=')
    out[pair!.slice(0, i)] = pair!.slice(i + 1)
  }
  return out
}

/** Open the card's link: Xinlian's start URL, answered with a redirect to WeCom's authorization page. */
async function start(forCase = caseId, net = networkId, from?: string) {
  const r = await t.app.request(
    `/api/auth/wecom/${net}/start?case=${forCase}`,
    from ? { headers: { 'x-forwarded-for': from } } : {},
  )
  return { r, location: r.headers.get('location') ?? '', cookies: cookiesOf(r) }
}

/** Through WeCom's page as `member`, then the callback with this browser's cookies. */
async function signInAs(member: string, cookies?: Record<string, string>) {
  const s = await start()
  expect(s.r.status).toBe(302)
  const page = wecomAuthorize(fake, corp, { trustedDomain: new URL(PUBLIC).host, member })(s.location)
  if (!page.ok) throw new Error(`WeCom refused the authorization link: ${page.error}`)
  const back = new URL(page.location)
  const jar = cookies ?? s.cookies
  const r = await t.app.request(`${back.pathname}${back.search}`, {
    headers: {
      cookie: Object.entries(jar)
        .map(([k, v]) => `${k}=${v}`)
        .join('; '),
    },
  })
  return {
    r,
    callback: `${back.pathname}${back.search}`,
    stateCookie: s.cookies,
    body: await r.clone().text(),
  }
}

const sessionsOf = async (username: string) =>
  (
    await t.sql<{ n: number }[]>`
      select count(*)::int as n from sessions s join users u on u.id = s.user_id where u.username = ${username}`
  )[0]!.n

describe('the card link', () => {
  it("redirects to WeCom's authorization page with the corp, the callback, a fresh state and the agent", async () => {
    const s = await start()
    expect(s.r.status).toBe(302)
    const url = new URL(s.location)
    expect(`${url.origin}${url.pathname}`).toBe('https://open.weixin.qq.com/connect/oauth2/authorize')
    expect(url.hash).toBe('#wechat_redirect')
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      appid: corp.corpId,
      redirect_uri: `${PUBLIC}/api/auth/wecom/callback`,
      response_type: 'code',
      scope: 'snsapi_base',
      agentid: String(corp.agentId),
    })
    const state = url.searchParams.get('state')!
    expect(state).toMatch(/^[0-9a-f]{64}$/)
    expect(s.cookies.xl_wecom_state).toBe(state)
    const [row] = await t.sql<{ networkId: string; nextPath: string }[]>`
      select network_id as "networkId", next_path as "nextPath" from wecom_oauth_states where state = ${state}`
    expect(row).toEqual({ networkId, nextPath: `/consults/${caseId}` })
    // Two opens, two states.
    expect((await start()).cookies.xl_wecom_state).not.toBe(state)
  })

  it('a case of another network, an unknown case or a network without WeCom: a 404 page, no state', async () => {
    const before = (await t.sql`select state from wecom_oauth_states`).length
    const yongCase = await startCase(t, 12 * 60_000, 'dr.yong').catch(() => null)
    const net2 = (
      await t.sql<{ id: string }[]>`select network_id as id from users where username = 'dr.yong'`
    )[0]!.id
    for (const s of [
      await start('00000000-0000-4000-8000-000000000000'),
      await start(caseId, net2),
      ...(yongCase ? [await start(yongCase)] : []),
      await start('not-a-uuid'),
    ]) {
      expect(s.r.status).toBe(404)
      expect(s.r.headers.get('content-type')).toContain('text/html')
      expect(s.cookies.xl_wecom_state).toBeUndefined()
    }
    expect(await t.sql`select state from wecom_oauth_states`).toHaveLength(before)
  })
})

describe('the callback', () => {
  it('signs in the mapped cardiologist with a normal session and lands on the consult page; audited', async () => {
    const before = fake.calls('/cgi-bin/auth/getuserinfo').length
    const { r } = await signInAs('chen')
    expect(r.status).toBe(302)
    expect(r.headers.get('location')).toBe(`/consults/${caseId}`)
    const set = r.headers.getSetCookie().find((c) => c.startsWith('xl_session='))!
    // The same cookie rules as the password sign-in (api/http/sign-in.ts).
    expect(set).toMatch(/HttpOnly/)
    expect(set).toMatch(/SameSite=Strict/)
    expect(set).toMatch(/Secure/)
    const token = cookiesOf(r).xl_session!
    const me = await t.app.request('/api/me', { headers: { cookie: `xl_session=${token}` } })
    expect(me.status).toBe(200)
    expect(((await me.json()) as { user: { username: string } }).user.username).toBe('dr.chen')
    // WeCom was asked with a valid access token and the code (the fake refuses anything else).
    const asked = fake.calls('/cgi-bin/auth/getuserinfo').slice(before)
    expect(asked).toHaveLength(1)
    expect(asked[0]!.query.code).toBeTruthy()
    const [a] = await t.sql<{ after: { via: string } }[]>`
      select after from audit_log where action = 'auth.login' order by id desc limit 1`
    expect(a!.after.via).toBe('wecom')
    // The case can be read with it.
    const view = await t.app.request(`/api/cases/${caseId}`, { headers: { cookie: `xl_session=${token}` } })
    expect(view.status).toBe(200)
  })

  it('a replayed callback, a stale state or a state this browser did not start: a 400 page, no session', async () => {
    const sessions = await sessionsOf('dr.chen')
    // Replay: the same callback URL and cookie again.
    const first = await signInAs('chen')
    expect(first.r.status).toBe(302)
    const again = await t.app.request(first.callback, {
      headers: { cookie: `xl_wecom_state=${first.stateCookie.xl_wecom_state}` },
    })
    expect(again.status).toBe(400)
    expect(await again.text()).toContain('wecom_sign_in_expired')
    expect(
      again.headers.getSetCookie().some((c) => c.startsWith('xl_session=') && !c.includes('xl_session=;')),
    ).toBe(false)
    // Stale: the state was made 6 minutes ago.
    const s = await start()
    await t.sql`update wecom_oauth_states set created_at = created_at - interval '6 minutes'
                 where state = ${s.cookies.xl_wecom_state!}`
    const page = wecomAuthorize(fake, corp, { trustedDomain: new URL(PUBLIC).host, member: 'chen' })(
      s.location,
    )
    if (!page.ok) throw new Error(page.error)
    const back = new URL(page.location)
    const stale = await t.app.request(`${back.pathname}${back.search}`, {
      headers: { cookie: `xl_wecom_state=${s.cookies.xl_wecom_state}` },
    })
    expect(stale.status).toBe(400)
    // Foreign: a callback URL (someone else's state and code) opened in a browser without that state's cookie.
    const foreign = await signInAs('chen', {})
    expect(foreign.r.status).toBe(400)
    const other = await start()
    const crossed = await signInAs('chen', other.cookies)
    expect(crossed.r.status).toBe(400)
    expect(await sessionsOf('dr.chen')).toBe(sessions + 1)
  })

  it('a code for an unmapped member, someone outside the corp, another network or a non-cardiologist: a 403 page, no session', async () => {
    const before = {
      chen: await sessionsOf('dr.chen'),
      yong: await sessionsOf('dr.yong'),
      lt: await sessionsOf('lantian'),
    }
    for (const member of ['ghost', 'external:o-abc', 'yong', 'lantian-wx']) {
      const { r, body } = await signInAs(member)
      expect(r.status, member).toBe(403)
      expect(body).toContain('wecom_sign_in_refused')
      expect(
        r.headers.getSetCookie().some((c) => /^xl_session=[^;]/.test(c)),
        member,
      ).toBe(false)
    }
    expect(await sessionsOf('dr.yong')).toBe(before.yong)
    expect(await sessionsOf('lantian')).toBe(before.lt)
    expect(await sessionsOf('dr.chen')).toBe(before.chen)
    const [a] = await t.sql<{ after: { reason: string } }[]>`
      select a.after from audit_log a join users u on u.id = a.entity_id::uuid
       where a.action = 'auth.wecom_refused' and u.username = 'lantian'`
    expect(a!.after.reason).toBe('not_cardiologist')
  })

  it('an inactive cardiologist is refused', async () => {
    await t.sql`update users set active = false where username = 'dr.chen'`
    try {
      const { r } = await signInAs('chen')
      expect(r.status).toBe(403)
    } finally {
      await t.sql`update users set active = true where username = 'dr.chen'`
    }
  })

  it("WeCom unreachable (its access token refused): a 503 page saying try again, not 'not a member'", async () => {
    const s = await start()
    const page = wecomAuthorize(fake, corp, { trustedDomain: new URL(PUBLIC).host, member: 'chen' })(
      s.location,
    )
    if (!page.ok) throw new Error(page.error)
    const back = new URL(page.location)
    server.use(...wecomFake({ ...corp, secret: 'rotated-secret' }, WECOM).handlers)
    try {
      const r = await t.app.request(`${back.pathname}${back.search}`, {
        headers: { cookie: `xl_wecom_state=${s.cookies.xl_wecom_state}` },
      })
      expect(r.status).toBe(503)
    } finally {
      server.resetHandlers(...fake.handlers)
    }
  })

  it("under the network's two-factor policy: no session yet, the consult page gets a second-factor challenge; a remembered device completes it", async () => {
    await t.sql`insert into security_policies (network_id, mfa) values (${networkId}, 'required')
                on conflict (network_id) do update set mfa = 'required'`
    try {
      const sessions = await sessionsOf('dr.chen')
      const { r } = await signInAs('chen')
      expect(r.status).toBe(302)
      const loc = r.headers.get('location')!
      expect(loc.startsWith(`/consults/${caseId}#wecom-mfa=`)).toBe(true)
      expect(loc.endsWith('&enrol=1')).toBe(true)
      expect(r.headers.getSetCookie().some((c) => /^xl_session=[^;]/.test(c))).toBe(false)
      expect(await sessionsOf('dr.chen')).toBe(sessions)
      // The challenge is the ordinary one: a wrong code is refused by /api/auth/mfa.
      const challenge = /wecom-mfa=([^&]+)/.exec(loc)![1]!
      const bad = await t.call('POST', '/api/auth/mfa', { body: { challenge, code: '000000' } })
      expect(bad.status).toBe(401)
      // A device remembered by someone else, or none: refused; dr.chen's own remembered device: a session.
      const chen = demoId('user:dr.chen')
      const lin = await rememberDevice(t.sql, demoId('user:dr.lin'), null)
      const remembered = (cookie?: string) =>
        t.app.request('/api/auth/wecom/remembered-device', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
          body: JSON.stringify({ challenge }),
        })
      expect((await remembered()).status).toBe(401)
      expect((await remembered(`xl_device=${lin.token}`)).status).toBe(401)
      expect(await sessionsOf('dr.chen')).toBe(sessions)
      const mine = await rememberDevice(t.sql, chen, null)
      const ok = await remembered(`xl_device=${mine.token}`)
      expect(ok.status).toBe(200)
      expect(await sessionsOf('dr.chen')).toBe(sessions + 1)
      const [a] = await t.sql<{ after: { via: string } }[]>`
        select after from audit_log where action = 'auth.login' order by id desc limit 1`
      expect(a!.after.via).toBe('wecom+remembered_device')
      // The challenge is spent.
      expect((await remembered(`xl_device=${mine.token}`)).status).toBe(401)
    } finally {
      await t.sql`update security_policies set mfa = 'off' where network_id = ${networkId}`
    }
  })
})

describe('the card link is rate-limited (each open stores a state)', () => {
  const states = async () => (await t.sql`select state from wecom_oauth_states`).length
  const expectTooMany = (s: Awaited<ReturnType<typeof start>>, body: string) => {
    expect(s.r.status).toBe(429)
    expect(s.r.headers.get('content-type')).toContain('text/html')
    expect(body).toContain('data-problem="too_many_requests"')
    expect(body).toContain('请求过于频繁')
    const wait = Number(s.r.headers.get('retry-after'))
    expect(wait).toBeGreaterThanOrEqual(1)
    expect(wait).toBeLessThanOrEqual(WECOM_START_LIMITS.perAddress.windowSeconds)
    expect(s.cookies.xl_wecom_state).toBeUndefined()
  }

  it('per client address, counting refused links too: past the limit a 429 page with Retry-After and no state; other addresses still pass', async () => {
    await t.sql`delete from request_throttle`
    const { limit } = WECOM_START_LIMITS.perAddress
    // Half the budget spent on unknown cases: a 404 costs a lookup, so it counts as well.
    for (let i = 0; i < limit; i++) {
      const s = await start(i % 2 ? caseId : crypto.randomUUID(), networkId, '198.51.100.7')
      expect(s.r.status).toBe(i % 2 ? 302 : 404)
    }
    const before = await states()
    const refused = await start(caseId, networkId, '198.51.100.7')
    expectTooMany(refused, await refused.r.text())
    expect(await states()).toBe(before)
    expect((await start(caseId, networkId, '198.51.100.8')).r.status).toBe(302)
  })

  it('per network, however many addresses ask: the states a network can hold at once are bounded', async () => {
    await t.sql`delete from request_throttle`
    const { limit } = WECOM_START_LIMITS.perNetwork
    for (let i = 0; i < limit; i++)
      expect((await start(caseId, networkId, `10.1.${Math.floor(i / 200)}.${i % 200}`)).r.status).toBe(302)
    const before = await states()
    const refused = await start(caseId, networkId, '203.0.113.50')
    expectTooMany(refused, await refused.r.text())
    expect(await states()).toBe(before)
    const [row] = await t.sql<{ hits: number }[]>`
      select hits from request_throttle where key = ${`wecom-start:net:${networkId}`}`
    expect(row!.hits).toBe(limit + 1)
  })
})
