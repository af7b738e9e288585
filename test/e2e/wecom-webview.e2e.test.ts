/**
 * The consult page inside WeCom's in-app browser (docs/alert-channels.md, "Signing in inside
 * WeCom"): a context with service workers blocked, no PushManager and no Notification, and
 * WeCom's user agent opens the card's link as WeCom would, goes through WeCom's web
 * authorization (its page faked in the browser, its server API faked by msw, both checking what
 * WeCom checks: test/fakes/wecom.ts), lands signed in on the consult page and approves.
 */
import http from 'node:http'
import { setupServer } from 'msw/node'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { CHANNEL_ENV, WECOM, WECOM_SETTINGS } from '../channel-support.ts'
import { wecomAuthorize, wecomFake, type WecomFake } from '../fakes/wecom.ts'
import { iso, postEvent, startCase } from '../push-support.ts'
import { describeBrowser, startE2E, until, type E2E } from './browser.ts'

/** WeCom 4.x on Android, as its in-app browser identifies itself. */
const WECOM_UA =
  'Mozilla/5.0 (Linux; Android 13; V2219A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) ' +
  'Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 wxwork/4.1.22 MicroMessenger/7.0.1 NetType/WIFI Language/zh'

let e: E2E
let fake: WecomFake
let server: ReturnType<typeof setupServer>

/**
 * WeCom's authorization page on a real socket (a browser follows redirects itself, so it cannot
 * be routed inside the page): another site than the app's, as open.weixin.qq.com is.
 */
const oauth = {
  url: '',
  server: undefined as http.Server | undefined,
  refused: [] as string[],
  answer: undefined as
    undefined | ((href: string) => { ok: true; location: string } | { ok: false; error: string }),
}
async function startOAuthPage() {
  oauth.server = http.createServer((req, res) => {
    const a = oauth.answer?.(`${oauth.url}${req.url ?? '/'}`)
    if (a?.ok) return res.writeHead(302, { location: a.location }).end()
    oauth.refused.push(a?.error ?? 'no fake')
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<p>errcode ${a?.error ?? ''}</p>`)
  })
  await new Promise<void>((resolve) => oauth.server!.listen(0, '127.0.0.1', resolve))
  oauth.url = `http://127.0.0.1:${(oauth.server.address() as { port: number }).port}`
}

describeBrowser('WeCom in-app browser', () => {
  beforeAll(async () => {
    fake = wecomFake({ ...WECOM_SETTINGS }, WECOM)
    server = setupServer(...fake.handlers)
    server.listen({ onUnhandledRequest: 'bypass' })
    await startOAuthPage()
    e = await startE2E({
      env: (origin) => ({ ...CHANNEL_ENV, PUBLIC_URL: origin, WECOM_OAUTH_BASE: oauth.url }),
    })
    const admin = await e.env.login('admin')
    const r = await e.env.call('PUT', '/api/admin/channels/wecom', { token: admin, body: WECOM_SETTINGS })
    expect(r.status).toBe(200)
    await e.env.sql`update users set wecom_user_id = 'chen' where username = 'dr.chen'`
  }, 240_000)
  afterAll(async () => {
    await e?.close()
    server?.close()
    oauth.server?.closeAllConnections()
    oauth.server?.close()
  })

  it('opens the card link, signs in through WeCom, approves thrombolysis from the consult page', async () => {
    const caseId = await startCase(e.env, 15 * 60_000)
    const tx = await postEvent(e.env, 'lantian', caseId, {
      type: 'ecg_transmitted',
      via: 'upload',
      at: iso(5_000),
    })
    expect(tx.status).toBe(201)
    // The card WeCom received for the first-line: its link is what the cardiologist taps.
    const card = await until(() =>
      Promise.resolve(
        fake
          .calls('/cgi-bin/message/send')
          .map((s) => s.body as { touser: string; template_card?: { card_action: { url: string } } })
          .find((b) => b.touser === 'chen' && b.template_card?.card_action.url.includes(caseId)),
      ),
    )
    const link = card.template_card!.card_action.url
    expect(link).toBe(`${e.origin}/api/auth/wecom/${await networkOf(e)}/start?case=${caseId}`)

    const context = await e.browser.newContext({
      serviceWorkers: 'block',
      userAgent: WECOM_UA,
      viewport: { width: 390, height: 844 },
      locale: 'zh-CN',
    })
    await context.addInitScript(() => {
      // What WeCom's browser lacks: the Push API, notifications, service workers.
      const w = window as unknown as Record<string, unknown>
      delete w.PushManager
      delete w.Notification
      delete (Navigator.prototype as unknown as Record<string, unknown>).serviceWorker
    })
    const authorize = wecomAuthorize(
      fake,
      { ...WECOM_SETTINGS },
      { trustedDomain: new URL(e.origin).host, member: 'chen', base: oauth.url },
    )
    oauth.answer = authorize
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (err) => errors.push(err.message))

    await page.goto(link)
    await page.waitForURL((u) => u.pathname === `/consults/${caseId}`)
    expect(oauth.refused).toEqual([])
    expect(await page.evaluate(() => 'serviceWorker' in navigator || 'PushManager' in window)).toBe(false)
    // Signed in: the consult itself, not the login form; told where alerts come from here.
    await page.getByTestId('approve').waitFor({ timeout: 45_000 })
    expect(await page.locator('input[name=password]').count()).toBe(0)
    await page.getByTestId('consult-no-push').waitFor()
    expect(await page.getByTestId('consult-no-push').textContent()).toContain('企业微信')

    await page.getByTestId('approve').click()
    const decision = await until(async () => {
      const r = await e.env.call('GET', `/api/cases/${caseId}`, { token: await e.env.login('lantian') })
      const view = (await r.json()) as { events: { type: string; by: string; data: { decision?: string } }[] }
      return view.events.find((ev) => ev.type === 'lysis_decision')
    })
    const [chen] = await e.env.sql<{ id: string }[]>`select id from users where username = 'dr.chen'`
    expect(decision).toMatchObject({ by: chen!.id, data: { decision: 'approved' } })
    await page.getByTestId('consult-decision').waitFor()
    expect(errors).toEqual([])
    await context.close()
  }, 180_000)
})

async function networkOf(x: E2E): Promise<string> {
  const [n] = await x.env.sql<{ id: string }[]>`select network_id as id from users where username = 'dr.chen'`
  return n!.id
}
