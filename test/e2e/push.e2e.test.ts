import { randomUUID } from 'node:crypto'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeBrowser, shot, signIn, startE2E, swReady, until, type E2E } from './browser.ts'

/** A consult-ready case started by the township physician through the API. */
async function consultCase(e: E2E): Promise<string> {
  const token = await e.env.login('lantian')
  const net = await (await e.env.call('GET', '/api/network', { token })).json()
  const lantian = net.facilities.find((f: { name: string }) => f.name === '蓝田乡卫生院').id
  const id = randomUUID()
  const at = (minAgo: number) => new Date(Date.now() - minAgo * 60_000).toISOString()
  const r = await e.env.call('POST', '/api/cases', {
    token,
    body: {
      id,
      facilityId: lantian,
      patient: { sex: 'male', age: 58, weightKg: 70 },
      firstMedicalContactAt: at(12),
    },
  })
  expect(r.status).toBe(201)
  for (const [type, extra, ago] of [
    ['arrived', { facilityId: lantian }, 12],
    ['ecg_acquired', {}, 8],
    ['ecg_transmitted', { via: 'realtime' }, 6],
  ] as const) {
    const ev = await e.env.call('POST', `/api/cases/${id}/events`, {
      token,
      body: { id: randomUUID(), type, at: at(ago), ...extra },
    })
    expect(ev.status).toBe(201)
  }
  return id
}

/** CDP: the registration id of the page's service worker, to deliver pushes and sync events. */
async function registrationId(context: BrowserContext, page: Page, origin: string) {
  const cdp = await context.newCDPSession(page)
  const regs = new Map<string, string>()
  cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) =>
    registrations.forEach((r) => regs.set(r.scopeURL, r.registrationId)),
  )
  await cdp.send('ServiceWorker.enable')
  const id = await until(() => Promise.resolve(regs.get(origin + '/')))
  return { cdp, id }
}

const notificationsOf = (page: Page) =>
  page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready
    return (await reg.getNotifications()).map((n) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
      requireInteraction: n.requireInteraction,
      actions: (n as Notification & { actions?: { action: string; title: string }[] }).actions ?? [],
      data: n.data as { caseId?: string },
    }))
  })

describeBrowser('PWA web push in the service worker (cardiologist phone, real chromium)', () => {
  let e: E2E
  beforeAll(async () => {
    e = await startE2E()
  })
  afterAll(async () => {
    await e?.close()
  })

  async function phone() {
    const context = await e.browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      hasTouch: true,
      locale: 'zh-CN',
    })
    await context.grantPermissions(['notifications'], { origin: e.origin })
    const page = await context.newPage()
    page.setDefaultTimeout(15_000)
    page.on('pageerror', (err) => console.log('[pageerror]', err.message))
    await signIn(page, e.origin, 'dr.chen')
    await swReady(page)
    return { context, page }
  }

  it('shows a pushed consult with title and Approve/Decline; the approve action records the decision', async () => {
    const caseId = await consultCase(e)
    const { context, page } = await phone()
    const { cdp, id } = await registrationId(context, page, e.origin)
    const msg = {
      title: '急会诊 STEMI? 男 58 岁 · 蓝田卫生院',
      body: 'D2N 已 12 分钟',
      caseId,
      kind: 'consult',
      clockStart: new Date().toISOString(),
      url: `/consults/${caseId}`,
      actions: [
        { action: 'approve', title: '批准溶栓' },
        { action: 'decline', title: '不同意' },
      ],
    }
    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin: e.origin,
      registrationId: id,
      data: JSON.stringify(msg),
    })
    const [n] = await until(async () => {
      const list = await notificationsOf(page)
      return list.length > 0 ? list : null
    })
    expect(n).toMatchObject({ title: msg.title, body: msg.body, tag: caseId, requireInteraction: true })
    expect(n!.actions.map((a) => a.action)).toEqual(['approve', 'decline'])
    expect(n!.data.caseId).toBe(caseId)

    const sw = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'))
    await sw.evaluate(async () => {
      const self = globalThis as unknown as ServiceWorkerGlobalScope & {
        onNotificationClick: (n: Notification, a: string) => Promise<unknown>
      }
      const [first] = await self.registration.getNotifications()
      await self.onNotificationClick(first!, 'approve')
    })
    const [chen] = await e.env.sql<{ id: string }[]>`select id from users where username = 'dr.chen'`
    const rows = await until(async () => {
      const r = await e.env.sql<{ by: string; data: { decision: string } }[]>`
        select by, data from case_events where case_id = ${caseId} and type = 'lysis_decision'`
      return r.length > 0 ? r : null
    })
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ by: chen!.id, data: { decision: 'approved' } })
    // The result replaces the consult notification (same tag).
    const after = await until(async () => {
      const list = await notificationsOf(page)
      return list.find((x) => x.title.includes('已批准溶栓')) ?? null
    })
    expect(after.tag).toBe(caseId)
    await context.close()
  })

  it('the decline action opens the consult page with the decline form (a reason is required)', async () => {
    const caseId = await consultCase(e)
    const { context, page } = await phone()
    const { cdp, id } = await registrationId(context, page, e.origin)
    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin: e.origin,
      registrationId: id,
      data: JSON.stringify({
        title: '急会诊',
        body: '',
        caseId,
        kind: 'consult',
        actions: [{ action: 'decline', title: '不同意' }],
      }),
    })
    await until(async () => ((await notificationsOf(page)).length > 0 ? true : null))
    const sw = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'))
    await sw.evaluate(async () => {
      const self = globalThis as unknown as ServiceWorkerGlobalScope & {
        onNotificationClick: (n: Notification, a: string) => Promise<unknown>
      }
      const [first] = await self.registration.getNotifications()
      await self.onNotificationClick(first!, 'decline')
    })
    await page.waitForURL((u) => u.pathname === `/consults/${caseId}` && u.search === '?decline=1')
    await page.getByTestId('decline-reason').waitFor()
    await page.getByTestId('decline-submit').click()
    await page.getByRole('alert').filter({ hasText: '请填写理由' }).waitFor()
    await page.getByTestId('decline-reason').fill('主动脉夹层待排 / dissection not excluded')
    await page.getByTestId('decline-submit').click()
    const rows = await until(async () => {
      const r = await e.env.sql<{ data: { decision: string; reason: string } }[]>`
        select data from case_events where case_id = ${caseId} and type = 'lysis_decision'`
      return r.length > 0 ? r : null
    })
    expect(rows[0]!.data).toMatchObject({
      decision: 'declined',
      reason: '主动脉夹层待排 / dissection not excluded',
    })
    await context.close()
  })

  it('the enable-notifications flow explains why, then subscribes this device with the VAPID key', async () => {
    const context = await e.browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' })
    await context.grantPermissions(['notifications'], { origin: e.origin })
    // Headless chromium has no push service: a fake subscription stands in.
    await context.addInitScript(() => {
      // The server only accepts push services on PUSH_ALLOWED_HOSTS (the harness allows push.example.test).
      const endpoint = 'https://push.example.test/fcm/send/e2e-fake-endpoint'
      const keys = {
        p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
        auth: 'tBHItJI5svbpez7KI4CCXg',
      }
      const fake = {
        endpoint,
        expirationTime: null,
        toJSON: () => ({ endpoint, expirationTime: null, keys }),
        unsubscribe: () => Promise.resolve(true),
      }
      PushManager.prototype.subscribe = () => Promise.resolve(fake as unknown as PushSubscription)
      PushManager.prototype.getSubscription = () => Promise.resolve(null)
    })
    const page = await context.newPage()
    page.setDefaultTimeout(15_000)
    await signIn(page, e.origin, 'dr.chen')
    await swReady(page)
    await page.goto(e.origin + '/notifications')
    await page.getByTestId('notify-enable').waitFor()
    await shot(page, 'phone-enable-notifications')
    await page.getByTestId('notify-enable').click()
    await page.getByTestId('notify-enabled').waitFor()
    const subs = await e.env.sql<{ endpoint: string }[]>`
      select endpoint from push_subscriptions where endpoint like '%e2e-fake-endpoint'`
    expect(subs).toHaveLength(1)
    await context.close()
  })
})
