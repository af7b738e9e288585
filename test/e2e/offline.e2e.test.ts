import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeBrowser, shot, signIn, startE2E, swReady, until, type E2E } from './browser.ts'

describeBrowser('PWA offline outbox (tablet, real chromium)', () => {
  let e: E2E
  beforeAll(async () => {
    e = await startE2E()
  })
  afterAll(async () => {
    await e?.close()
  })

  it('starts a case and records taps offline, survives a reload, and syncs each event exactly once, in order', async () => {
    const context = await e.browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'zh-CN' })
    const page = await context.newPage()
    page.setDefaultTimeout(15_000)
    page.on('console', (m) => console.log('[page]', m.type(), m.text()))
    page.on('pageerror', (err) => console.log('[pageerror]', err.message))
    await signIn(page, e.origin, 'lantian')
    await swReady(page)
    await page.getByTestId('start-protocol').waitFor()

    await context.setOffline(true)
    await page.getByTestId('start-protocol').click()
    await page.getByTestId('sex-female').click()
    await page.locator('input[name=age]').fill('66')
    await page.locator('input[name=weight]').fill('58')
    await page.getByTestId('start-submit').click()
    await page.waitForURL(/\/cases\/[0-9a-f-]{36}$/)
    const caseId = new URL(page.url()).pathname.split('/').pop()!

    for (const type of ['ecg_acquired', 'consent_started', 'consent_signed']) {
      await page.getByTestId(`tp-${type}`).click()
      await page.getByTestId(`tp-${type}`).locator('.unsynced').waitFor()
    }
    // The case, the arrival recorded with it, and three taps wait in the outbox.
    await expect.poll(() => page.getByTestId('unsynced-count').textContent()).toContain('5')
    await page.getByTestId('offline').waitFor()

    // Reload with no network: the app shell comes from the service worker's cache, the taps from IndexedDB.
    await page.reload()
    await page.getByTestId('tp-consent_signed').locator('.unsynced').waitFor()
    await expect.poll(() => page.getByTestId('unsynced-count').textContent()).toContain('5')
    await shot(page, 'offline-case-unsynced')
    const stored = await e.env.sql`select 1 from cases where id = ${caseId}`
    expect(stored).toHaveLength(0)

    await context.setOffline(false)
    const rows = await until(async () => {
      const r = await e.env.sql<{ id: string; type: string }[]>`
        select id, type from case_events where case_id = ${caseId} order by seq`
      return r.length >= 5 ? r : null
    }, 30_000)
    // Give a duplicate a chance to show up before asserting exactly-once.
    await page.getByTestId('unsynced-count').waitFor({ state: 'detached', timeout: 30_000 })
    const all = await e.env.sql<{ id: string; type: string }[]>`
      select id, type from case_events where case_id = ${caseId} order by seq`
    expect(all.map((r) => r.type)).toEqual([
      'first_medical_contact',
      'arrived',
      'ecg_acquired',
      'consent_started',
      'consent_signed',
    ])
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length)
    expect(rows.length).toBe(5)
    await page.getByTestId('tp-consent_signed').locator('.unsynced').waitFor({ state: 'detached' })
    await shot(page, 'offline-case-synced')

    // Accessibility: every touch target on the case screen is at least 48 × 48 CSS px (a checkbox's
    // target is its whole label) …
    const small = await page.evaluate(() =>
      [
        ...document.querySelectorAll(
          'button, a.btn, label.btn, label.check, .tp, input:not(label.check input), select',
        ),
      ]
        .map((el) => ({ el, r: el.getBoundingClientRect() }))
        .filter(({ r }) => r.width > 0 && (r.height < 47.5 || r.width < 47.5))
        .map(({ el, r }) => `${el.outerHTML.slice(0, 80)} ${r.width}x${r.height}`),
    )
    expect(small).toEqual([])
    // … and at 200 % zoom (half the CSS viewport) the page reflows with no horizontal scrolling.
    await page.setViewportSize({ width: 512, height: 384 })
    await page.getByTestId('tp-consent_signed').waitFor()
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(
      true,
    )
    await shot(page, 'case-zoom-200')
    await context.close()
  }, 120_000)
})
