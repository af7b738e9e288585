/**
 * The admin channels screen in a real chromium (docs/alert-channels.md): the admin enters the
 * network's WeCom settings, saves, sees "已设置" and never a secret — not in the DOM, not in an
 * input, not in any response the browser receives — gives a cardiologist a WeCom id on the
 * people screen, sends a test to them, and edits and resets the consult ladder. WeCom is the
 * strict fake of test/fakes/wecom.ts (it checks corp id and secret on gettoken, the token and
 * the message body), served by msw at the HTTP level at the base the server is pointed at
 * (WECOM_API_BASE).
 */
import { setupServer } from 'msw/node'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { CHANNEL_ENV, WECOM } from '../channel-support.ts'
import { fakeCorp, wecomFake } from '../fakes/wecom.ts'
import { describeBrowser, shot, signIn, startE2E, type E2E } from './browser.ts'

const corp = fakeCorp()
const fake = wecomFake(corp, WECOM)
const vendor = setupServer(...fake.handlers)

describeBrowser('admin channels screen (real chromium)', () => {
  let e: E2E
  beforeAll(async () => {
    vendor.listen({ onUnhandledRequest: 'bypass' })
    e = await startE2E({ env: CHANNEL_ENV })
  })
  afterAll(async () => {
    await e?.close()
    vendor.close()
  })

  it('WeCom settings saved write-only; a test to a chosen person, the result in words', async () => {
    const context = await e.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' })
    const page = await context.newPage()
    page.setDefaultTimeout(15_000)
    page.on('pageerror', (err) => console.log('[pageerror]', err.message))
    const secrets = [corp.secret, corp.callbackToken, corp.callbackAesKey]
    // Every response body the browser receives, to check that no secret ever comes back.
    const bodies: Promise<string>[] = []
    // (The live event stream never ends; it carries case events, not settings.)
    page.on('response', (r) => {
      if ((r.headers()['content-type'] ?? '').includes('text/event-stream')) return
      bodies.push(r.text().catch(() => ''))
    })
    await signIn(page, e.origin, 'admin')
    await page.goto(e.origin + '/admin/channels')

    const form = page.getByTestId('channel-wecom')
    await expect.poll(() => form.getByTestId('secret-state-secret').textContent()).toBe('未设置')
    await form.locator('input[name=corpId]').fill(corp.corpId)
    await form.locator('input[name=agentId]').fill(String(corp.agentId))
    await form.locator('input[name=secret]').fill(corp.secret)
    await form.locator('input[name=callbackToken]').fill(corp.callbackToken)
    await form.locator('input[name=callbackAesKey]').fill(corp.callbackAesKey)
    await form.getByTestId('save-wecom').click()
    for (const f of ['secret', 'callbackToken', 'callbackAesKey'])
      await expect.poll(() => form.getByTestId(`secret-state-${f}`).textContent()).toMatch(/^已设置/)
    // The corp id is a setting, not a secret: it stays in its field.
    expect(await form.locator('input[name=corpId]').inputValue()).toBe(corp.corpId)

    const noSecretInPage = async () => {
      const html = await page.content()
      const values = await page.evaluate(() => [...document.querySelectorAll('input')].map((i) => i.value))
      for (const s of secrets) {
        expect(html).not.toContain(s)
        expect(values.join('\n')).not.toContain(s)
      }
    }
    await noSecretInPage()
    // After a reload the secrets are still set, and still absent.
    await page.reload()
    await expect.poll(() => form.getByTestId('secret-state-secret').textContent()).toMatch(/^已设置/)
    await noSecretInPage()
    const [row] = await e.env.sql<
      { secrets: string }[]
    >`select secrets from channel_settings where channel = 'wecom'`
    for (const s of secrets) expect(row!.secrets).not.toContain(s) // sealed at rest

    // The people screen: dr.chen gets a WeCom id (and a mobile marked verified by the admin).
    await page.goto(e.origin + '/admin/users')
    const chenRow = page.getByTestId('user-row').filter({ hasText: '@dr.chen' })
    await chenRow.getByRole('button', { name: '编辑' }).click()
    const uf = page.getByTestId('user-form')
    await uf.locator('input[name=mobile]').fill('13800000001')
    await uf.locator('input[name=mobileVerified]').check()
    await uf.locator('input[name=wecomUserId]').fill('chen')
    await uf.getByTestId('user-save').click()
    await uf.waitFor({ state: 'detached' })
    await expect
      .poll(() => chenRow.getByTestId('user-contacts').textContent())
      .toBe('手机号: 13800000001 (已核实) · 企业微信账号: chen')

    // Send a test to dr.chen on WeCom: the fake accepts it; the result is said in words.
    await page.goto(e.origin + '/admin/channels')
    const test = page.getByTestId('test-wecom')
    await test.locator('select[name=testUser]').selectOption(demoId('user:dr.chen'))
    await test.getByRole('button', { name: '发送测试' }).click()
    await expect
      .poll(() => test.getByTestId('test-result').textContent())
      .toMatch(/^测试消息已发出,服务商已受理/)
    const sent = fake.calls('/cgi-bin/message/send')
    expect(sent).toHaveLength(1)
    expect(sent[0]!.body).toMatchObject({ touser: 'chen', agentid: corp.agentId, msgtype: 'textcard' })

    // A refusal by WeCom is said in words too, with WeCom's code for the admin.
    fake.failNext(60020)
    await test.getByRole('button', { name: '发送测试' }).click()
    await expect
      .poll(() => test.getByTestId('test-result').textContent())
      .toBe('服务商拒绝了测试消息(代码 60020)')

    // The consult ladder: the voice step moved to 90 s is the network's own; reset brings back 60 s.
    const ladder = page.getByTestId('ladder-consult')
    await ladder.locator('input[name=after-1]').fill('90')
    await ladder.getByRole('button', { name: '保存' }).click()
    await expect.poll(() => ladder.locator('h4 .chip').textContent()).toBe('本网络自定义')
    const [custom] = await e.env.sql<{ steps: { afterSeconds: number }[] }[]>`
      select steps from alert_ladders where kind = 'consult'`
    expect(custom!.steps.map((x) => x.afterSeconds)).toEqual([0, 90, 180, 360])
    await ladder.getByRole('button', { name: '恢复系统默认' }).click()
    await expect.poll(() => ladder.locator('h4 .chip').textContent()).toBe('系统默认')
    expect(await ladder.locator('input[name=after-1]').inputValue()).toBe('60')
    expect(await e.env.sql`select 1 from alert_ladders where kind = 'consult'`).toHaveLength(0)

    await shot(page, 'admin-channels', { fullPage: true })
    const texts = await Promise.all(bodies)
    expect(texts.length).toBeGreaterThan(5)
    for (const s of secrets) expect(texts.filter((b) => b.includes(s))).toEqual([])
    await context.close()
  }, 180_000)
})
