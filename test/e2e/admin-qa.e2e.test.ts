import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { seedHistory } from '../../fixtures/history.ts'
import { loadScenario, replayOverHttp } from '../scenarios.ts'
import { describeBrowser, dismissBanners, shot, signIn, startE2E, type E2E } from './browser.ts'

/** Every visible touch target is ≥ 48 × 48 CSS px, and at 200 % zoom nothing scrolls sideways. */
async function checkTargetsAndZoom(page: Page, ready: string): Promise<void> {
  const small = await page.evaluate(() =>
    [
      ...document.querySelectorAll(
        'button, a.btn, a.tab, label.btn, label.check, input:not(label.check input), select',
      ),
    ]
      .map((el) => ({ el, r: el.getBoundingClientRect() }))
      .filter(({ r }) => r.width > 0 && (r.height < 47.5 || r.width < 47.5))
      .map(({ el, r }) => `${el.outerHTML.slice(0, 80)} ${r.width}x${r.height}`),
  )
  expect(small).toEqual([])
  const size = page.viewportSize()!
  await page.setViewportSize({ width: Math.round(size.width / 2), height: Math.round(size.height / 2) })
  await page.locator(ready).first().waitFor()
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true)
  await page.setViewportSize(size)
}

describeBrowser('admin and QA screens (real chromium)', () => {
  let e: E2E
  beforeAll(async () => {
    e = await startE2E()
  })
  afterAll(async () => {
    await e?.close()
  })

  it('admin creates a facility with travel time and a township physician, who redeems the code and starts a case', async () => {
    const context = await e.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' })
    const page = await context.newPage()
    page.setDefaultTimeout(15_000)
    page.on('pageerror', (err) => console.log('[pageerror]', err.message))
    await signIn(page, e.origin, 'admin')
    await page.waitForURL(/\/admin/)

    // Facility: a township 27 minutes from the county, with tenecteplase on hand.
    await page.getByTestId('fac-new').click()
    const form = page.getByTestId('fac-form')
    await form.locator('input[name=name]').fill('试验乡卫生院')
    await form.locator('input[name=nameEn]').fill('Trial township')
    await form.locator('select[name=level]').selectOption('township')
    await form.locator('input[name=toCounty]').fill('27')
    await form.locator('input[name="drug-tenecteplase"]').check()
    await form.getByTestId('fac-save').click()
    await form.waitFor({ state: 'detached' })
    await page.getByTestId('facility').filter({ hasText: '试验乡卫生院' }).waitFor()
    const [fac] = await e.env.sql<{ id: string }[]>`select id from facilities where name = '试验乡卫生院'`
    expect(fac).toBeTruthy()

    // The travel matrix shows it both ways.
    await page.goto(e.origin + '/admin/travel')
    const row = page.locator('tr', { hasText: '试验乡卫生院' })
    await expect.poll(() => row.getByTestId('travel-cell').allTextContents()).toEqual(['27', '27'])

    // A township physician scoped to it: the one-time code is shown once.
    await page.goto(e.origin + '/admin/users')
    await page.getByTestId('user-new').click()
    const uf = page.getByTestId('user-form')
    await uf.locator('input[name=username]').fill('shiyan.doc')
    await uf.locator('input[name=displayName]').fill('试验医生')
    await uf.locator('input[name="role-township_physician"]').check()
    await uf.locator('select[name=facilities]').selectOption(fac!.id)
    await uf.getByTestId('user-save').click()
    const code = (await page.getByTestId('one-time-code').textContent())!.trim()
    expect(code).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/)

    // The rota calendar (next weeks, gaps highlighted).
    await page.goto(e.origin + '/admin/rota')
    await page.getByTestId('rota-gaps').waitFor()
    await page.getByTestId('rota-slot').first().waitFor()
    await dismissBanners(page)
    await shot(page, 'admin-rota', { docs: true })
    await checkTargetsAndZoom(page, '[data-testid=rota-calendar]')
    await context.close()

    // The new user: "I have a one-time code" → new password → signed in → start a case.
    const c2 = await e.browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'zh-CN' })
    const p2 = await c2.newPage()
    p2.setDefaultTimeout(15_000)
    await p2.goto(e.origin + '/')
    await p2.getByTestId('have-code').click()
    const rf = p2.getByTestId('redeem-form')
    await rf.locator('input[name=username]').fill('shiyan.doc')
    await rf.locator('input[name=code]').fill(code.toLowerCase())
    await rf.locator('input[name=newPassword]').fill('xinlian-2025')
    await rf.locator('input[name=newPassword2]').fill('xinlian-2025')
    await rf.getByTestId('redeem-submit').click()
    await p2.waitForURL(/\/cases$/)
    await p2.getByTestId('start-protocol').click()
    await p2.getByTestId('start-submit').waitFor()
    await c2.close()
  }, 120_000)

  it("admin grants the second network's QA province read access by login name, then revokes it after confirming", async () => {
    const context = await e.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' })
    const page = await context.newPage()
    page.setDefaultTimeout(15_000)
    page.on('pageerror', (err) => console.log('[pageerror]', err.message))
    await signIn(page, e.origin, 'admin')
    await page.waitForURL(/\/admin/)
    await page.goto(e.origin + '/admin/grants')
    await page.getByRole('heading', { name: '省级质控授权' }).waitFor()
    const form = page.getByTestId('grant-form')

    // A user of the admin's own network is refused with the catalogue's message.
    await form.locator('input[name=username]').fill('dr.chen')
    await form.getByTestId('grant-submit').click()
    await page.getByTestId('error-box').getByText('此人员属于本网络').waitFor()

    await form.locator('input[name=username]').fill('qa2')
    await form.getByTestId('grant-submit').click()
    await page.getByTestId('grant-done').waitFor()
    const row = page.getByTestId('grant-row').filter({ hasText: '永春质控 QA2' })
    await row.waitFor()
    await dismissBanners(page)
    await shot(page, 'admin-grants')
    await checkTargetsAndZoom(page, '[data-testid=grant-row]')
    const granted = () =>
      e.env.sql<{ n: number }[]>`select count(*)::int as n from qa_network_grants`.then((r) => r[0]!.n)
    expect(await granted()).toBe(1)

    // Revoke asks first; cancelling keeps the grant.
    await row.getByTestId('grant-revoke').click()
    await page.getByRole('dialog').getByText('取消').click()
    expect(await granted()).toBe(1)
    await row.getByTestId('grant-revoke').click()
    await shot(page, 'admin-grants-revoke')
    await page.getByTestId('grant-revoke-confirm').click()
    await row.waitFor({ state: 'detached' })
    expect(await granted()).toBe(0)

    // Both changes are in the audit log, in Chinese.
    await page.goto(e.origin + '/admin/audit')
    await page.getByTestId('audit-entry').filter({ hasText: '撤销省级质控查看权限' }).waitFor()
    await page.getByTestId('audit-entry').filter({ hasText: '授予省级质控查看权限' }).waitFor()
    await context.close()
  }, 120_000)

  // A year of the demo network's history, seeded once for whichever test needs it first.
  let seeded: Promise<unknown> | null = null
  const history = () => (seeded ??= seedHistory(e.env.sql, 12))

  it('QA opens the dashboard over a year of cases in under 2 s, and a drill-down', async () => {
    await history()
    const anxi = loadScenario('anxi')
    const ids: string[] = []
    for (let i = 0; i < 3; i++)
      ids.push((await replayOverHttp(e.env, anxi, { endsAgoMs: (i + 1) * 3_600_000 })).caseId)

    const context = await e.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' })
    const page = await context.newPage()
    page.setDefaultTimeout(15_000)
    page.on('pageerror', (err) => console.log('[pageerror]', err.message))
    await signIn(page, e.origin, 'qa')
    await page.waitForURL(/\/qa/)
    const t0 = Date.now()
    await page.goto(e.origin + '/qa')
    await page.locator('[data-testid=metric-door_to_needle] svg.chart').first().waitFor()
    await page.locator('[data-testid=metric-door_to_needle] circle').first().waitFor()
    const ms = Date.now() - t0
    // Reported, not asserted: speed belongs to benchmarks, not to pass/fail on a shared CI machine.
    console.log(`QA dashboard with a year of data: ${ms} ms (goal < 2 s)`)
    await page.locator('.fac-table').waitFor()
    await shot(page, 'qa-dashboard', { docs: true })
    await checkTargetsAndZoom(page, '[data-testid=qa-dashboard]')

    // The case list, then the drill-down of one of the API cases.
    await page.goto(e.origin + '/qa/cases')
    await page.getByTestId('qa-case-row').first().waitFor()
    await page.goto(`${e.origin}/qa/cases/${ids[0]}`)
    await page.getByTestId('drill-event').first().waitFor()
    expect(await page.getByTestId('drill-event').count()).toBeGreaterThan(5)
    // The view itself is in the access trail.
    await page.reload()
    await page.getByTestId('drill-access').locator('li').first().waitFor()
    await shot(page, 'qa-drilldown', { docs: true, fullPage: true })
    await context.close()
  }, 180_000)

  it("a QA user of the second network opens the province view: first told how to get access, then, granted, the demo network's pooled aggregates by network and by facility", async () => {
    const context = await e.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' })
    const page = await context.newPage()
    page.setDefaultTimeout(15_000)
    page.on('pageerror', (err) => console.log('[pageerror]', err.message))
    await history()
    await signIn(page, e.origin, 'qa2')
    await page.goto(e.origin + '/qa/province')
    await page.getByTestId('province-none').getByText('省级质控授权').waitFor()

    await e.env.sql`insert into qa_network_grants (user_id, network_id, granted_by)
      select u.id, a.network_id, a.id from users u, users a where u.username = 'qa2' and a.username = 'admin'`
    const names = await e.env.sql<{ name: string }[]>`
      select n.name from networks n join users u on u.network_id = n.id
       where u.username in ('qa2', 'admin') order by n.name`
    expect(names).toHaveLength(2)
    await page.reload()
    const scope = page.getByTestId('province-scope')
    await scope.waitFor()
    expect(await scope.textContent()).toContain('2 个网络')
    for (const { name } of names) expect(await scope.textContent()).toContain(name)
    // By network: one row per network with cases; the demo network's year of history is there.
    const rows = page.getByTestId('province-row')
    const demo = await e.env.sql<{ name: string }[]>`
      select n.name from networks n join users u on u.network_id = n.id where u.username = 'admin'`
    const demoRow = rows.filter({ hasText: demo[0]!.name })
    await demoRow.waitFor()
    // A median cell reads "minutes (share, n=…)" with n > 0.
    expect(await demoRow.textContent()).toMatch(/n=[1-9]/)
    await dismissBanners(page)
    await shot(page, 'qa-province', { docs: true })
    await checkTargetsAndZoom(page, '[data-testid=province]')

    // By facility: a demo facility's row, labelled with its network.
    const fac = await e.env.sql<{ name: string }[]>`
      select f.name from facilities f join users u on u.network_id = f.network_id
       where u.username = 'admin' and f.level = 'county'`
    await page.getByTestId('province-group-by').selectOption('facility')
    await rows.filter({ hasText: fac[0]!.name }).filter({ hasText: demo[0]!.name }).first().waitFor()
    // Aggregates only: no link to a case anywhere on the screen.
    expect(await page.locator('[data-testid=province] a[href*="/qa/cases/"]').count()).toBe(0)

    // By month: a monthly median chart per metric with the year's points, and a row per month.
    await page.getByTestId('province-group-by').selectOption('month')
    await page.locator('[data-testid=province-metric-door_to_wire] svg.chart circle').first().waitFor()
    const monthRows = await rows.allTextContents()
    expect(monthRows.length).toBeGreaterThan(1)
    for (const r of monthRows) expect(r).toMatch(/^\d{4}-\d{2}/)
    await shot(page, 'qa-province-month')
    await context.close()
  }, 120_000)
})
