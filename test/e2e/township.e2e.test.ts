/**
 * The township tablet (real chromium, real server): door-to-needle from the door, the checklist
 * (全部否 with a confirmation, groups, reopening with its answers), banners that say what was
 * decided, the record number edited with its history, the admin's village rescue point, and the
 * two numbers for the closing note (logged with the prefix MEASURE, never asserted as times).
 */
import type { Page } from 'playwright-core'
import { expect, it } from 'vitest'
import { describeBrowser, dismissBanners, shot, signIn, swReady, until } from './browser.ts'
import { useE2E } from './suite.ts'
import { ago, goOffline, LANTIAN, liveOpen, openTablet, postEvent, queueNotes, walkIn } from './tablet.ts'
/** Any raw identifier (snake_case key, rule or event code) that reached the screen. */
const RAW = /\b[a-z]+_[a-z0-9_]+\b/

describeBrowser('township tablet (real chromium)', () => {
  const e = useE2E()
  const tablet = () => openTablet(e)
  const cdPx = (page: Page, rule: string) =>
    page
      .getByTestId(`deadline-${rule}`)
      .locator('.cd-time')
      .evaluate((el) => parseFloat(getComputedStyle(el).fontSize))

  it('door-to-needle counts from the door before any checklist: green, amber only from the 20-min warning, ≥ 32 px; a met clock is compact', async () => {
    const fresh = await walkIn(e, 3)
    await postEvent(e, fresh, 'lantian', 'ecg_acquired', ago(2), { facilityId: LANTIAN })
    const late = await walkIn(e, 22)
    const { page, close } = await tablet()
    await page.goto(`${e.origin}/cases/${fresh}`)
    const d2n = page.getByTestId('deadline-door_to_needle')
    await d2n.waitFor()
    expect(await d2n.getAttribute('data-tone')).toBe('green')
    // Due 30 min from the door, 3 min ago: about 27 min remain (not 30: it counts from the door).
    expect(await d2n.locator('.cd-time').textContent()).toMatch(/2[67]:\d\d/)
    expect(await cdPx(page, 'door_to_needle')).toBeGreaterThanOrEqual(32)
    const ecg = page.getByTestId('deadline-first_ecg')
    expect(await ecg.getAttribute('data-tone')).toBe('done')
    expect(await cdPx(page, 'first_ecg')).toBeLessThan(32)
    expect(await page.getByTestId('deadline-door_to_needle').textContent()).not.toMatch(RAW)

    await page.goto(`${e.origin}/cases/${late}`)
    await page.getByTestId('deadline-door_to_needle').waitFor()
    expect(await page.getByTestId('deadline-door_to_needle').getAttribute('data-tone')).toBe('amber')
    await dismissBanners(page)
    await shot(page, 'tablet-d2n-from-door')
    await close()
  }, 120_000)

  it('checklist: 全部否 asks first, items grouped absolute / relative, the saved list reopens with its answers', async () => {
    const caseId = await walkIn(e, 5)
    await postEvent(e, caseId, 'dr.chen', 'diagnosis', ago(3), { diagnosis: 'stemi' })
    const { page, close } = await tablet()
    await page.goto(`${e.origin}/cases/${caseId}`)
    await dismissBanners(page)
    await page.getByTestId('tp-lysis_checklist').click()
    const panel = page.getByTestId('checklist')
    await panel.waitFor()
    const abs = panel.getByTestId('ck-group-absolute')
    const rel = panel.getByTestId('ck-group-relative')
    expect(await abs.locator('li').count()).toBe(7)
    expect(await rel.locator('li').count()).toBe(10)
    expect(await abs.textContent()).toContain('绝对禁忌证')
    expect(await rel.textContent()).toContain('未控制的高血压')
    expect(await panel.textContent()).not.toMatch(RAW)

    // Cancelling the confirmation answers nothing.
    await panel.getByTestId('ck-all-no').click()
    await expect.poll(() => page.getByTestId('ck-all-no-question').textContent()).toContain('17')
    await page.getByRole('button', { name: '取消' }).click()
    expect(await panel.locator('[aria-pressed=true]').count()).toBe(0)
    await panel.getByTestId('ck-all-no').click()
    await page.getByTestId('ck-all-no-confirm').click()
    await expect.poll(() => panel.locator('[data-testid$=-no][aria-pressed=true]').count()).toBe(17)
    // One relative item changed to yes after "all no".
    await panel.getByTestId('ck-uncontrolled_hypertension-yes').click()
    await panel.getByTestId('checklist-submit').click()
    const saved = async () =>
      (
        await e.env.sql<{ data: any }[]>`select data from case_events where case_id = ${caseId}
          and type = 'lysis_checklist'`
      ).map((r) => r.data)
    await until(async () => ((await saved()).length === 1 ? true : null), 30_000)
    const [data] = await saved()
    expect(Object.values(data.answers).filter((v) => v === false)).toHaveLength(16)
    expect(data.answers.uncontrolled_hypertension).toBe(true)

    // Reopened after a reload: the answers are there.
    await page.reload()
    await page.getByTestId('tp-lysis_checklist').locator('.tp-time').waitFor()
    await dismissBanners(page)
    await page.getByTestId('tp-lysis_checklist').click()
    await page.getByTestId('checklist-reopened').waitFor()
    expect(await panel.getByTestId('ck-uncontrolled_hypertension-yes').getAttribute('aria-pressed')).toBe(
      'true',
    )
    expect(await panel.locator('[data-testid$=-no][aria-pressed=true]').count()).toBe(16)
    await shot(page, 'tablet-checklist-reopened', { fullPage: true })
    await close()
  }, 120_000)

  it('banners say what was decided, in the colour of the outcome, and do not offer the case already open', async () => {
    const approved = await walkIn(e, 10)
    const declined = await walkIn(e, 10)
    for (const id of [approved, declined])
      await postEvent(e, id, 'dr.chen', 'diagnosis', ago(6), { diagnosis: 'stemi' })
    const { page, close } = await tablet()
    await page.goto(`${e.origin}/cases/${approved}`)
    await page.getByTestId('deadline-door_to_needle').waitFor()
    await liveOpen(page)
    await dismissBanners(page)
    await postEvent(e, approved, 'dr.chen', 'lysis_decision', new Date().toISOString(), {
      decision: 'approved',
    })
    const ok = page.locator('[data-testid=alert-banner][data-outcome=approved]')
    await ok.waitFor({ timeout: 30_000 })
    expect(await ok.textContent()).toMatch(/已批准溶栓 · 陈主任.* \d\d:\d\d/)
    expect(await ok.getByTestId('alert-open').count()).toBe(0)
    expect(await ok.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(220, 252, 231)')
    expect(await page.getByTestId('lysis-decision').textContent()).toContain('已批准溶栓')

    // A decline on another case: reason shown, red, with a link to open that case.
    await postEvent(e, declined, 'dr.chen', 'lysis_decision', new Date().toISOString(), {
      decision: 'declined',
      reason: '疑似主动脉夹层',
    })
    const bad = page.locator('[data-testid=alert-banner][data-outcome=declined]')
    await bad.waitFor({ timeout: 30_000 })
    expect(await bad.textContent()).toMatch(/不同意溶栓:原因 疑似主动脉夹层 · 陈主任/)
    expect(await bad.getByTestId('alert-open').getAttribute('href')).toBe(`/cases/${declined}`)
    expect(await bad.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(127, 29, 29)')
    await shot(page, 'tablet-decision-banners')
    await close()
  }, 120_000)

  it('record number: added later on the tablet, corrected by QA, both changes in the history', async () => {
    const caseId = await walkIn(e, 4)
    const { page, close } = await tablet()
    await page.goto(`${e.origin}/cases/${caseId}`)
    await dismissBanners(page)
    const rn = page.getByTestId('record-number')
    await expect.poll(() => rn.getByTestId('record-number-value').textContent()).toBe('未填写')
    await rn.getByTestId('record-number-edit').click()
    await rn.getByTestId('record-number-input').fill('MZ2026120101')
    await rn.getByTestId('record-number-save').click()
    await expect.poll(() => rn.getByTestId('record-number-value').textContent()).toBe('MZ2026120101')
    const r = await e.env.call('PUT', `/api/cases/${caseId}/record-number`, {
      token: await e.env.login('qa'),
      body: { recordNumber: 'ZY2026-0042' },
    })
    expect(r.status).toBe(200)
    await close()

    const ctx = await e.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' })
    const qa = await ctx.newPage()
    qa.setDefaultTimeout(15_000)
    await signIn(qa, e.origin, 'qa')
    await qa.goto(`${e.origin}/qa/cases/${caseId}`)
    const q = qa.getByTestId('record-number')
    await expect.poll(() => q.getByTestId('record-number-value').textContent()).toBe('ZY2026-0042')
    await q.getByTestId('record-number-history').locator('summary').click()
    const history = await q.getByTestId('record-number-history').textContent()
    expect(history).toContain('未填写 → MZ2026120101')
    expect(history).toContain('MZ2026120101 → ZY2026-0042')
    await ctx.close()
  }, 120_000)

  it('admin: a new village rescue point defaults to village and asks for its times to lysis-capable townships', async () => {
    const ctx = await e.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' })
    const page = await ctx.newPage()
    page.setDefaultTimeout(15_000)
    await signIn(page, e.origin, 'admin')
    await page.goto(`${e.origin}/admin`)
    await page.getByTestId('fac-new').click()
    const form = page.getByTestId('fac-form')
    expect(await form.locator('select[name=level]').inputValue()).toBe('village')
    await form.getByTestId('fac-village-travel').waitFor()
    await form.locator('input[name=name]').fill('后岭村急救点')
    await form.locator('input[name=toCounty]').fill('96')
    // Saving without a township time: the server names what is missing.
    await form.getByTestId('fac-save').click()
    await expect.poll(() => form.textContent()).toContain('可溶栓乡镇卫生院')
    await form.locator(`input[name="toTownship-${LANTIAN}"]`).fill('13')
    await form.getByTestId('fac-save').click()
    await form.waitFor({ state: 'detached' })
    const [v] = await e.env.sql<{ id: string }[]>`select id from facilities where name = '后岭村急救点'`
    const rows = await e.env.sql<{ minutes: number }[]>`select minutes from travel_times
      where from_facility_id = ${v!.id} and to_facility_id = ${LANTIAN}`
    expect(rows.map((x) => x.minutes)).toEqual([13])
    await ctx.close()
  }, 120_000)

  it('MEASURE: 100 queued events after `online`, and a colleague’s event after a reconnect (exactly once, shown)', async () => {
    const caseId = await walkIn(e, 1, { sex: 'female', age: 70, weightKg: 70 })
    const { page, close } = await tablet()
    await swReady(page)
    await page.goto(`${e.origin}/cases/${caseId}`)
    await page.getByTestId('tp-arrived').locator('.tp-time').waitFor()
    await liveOpen(page)
    await goOffline(page)
    // 100 notes queued the way the outbox stores them (its IndexedDB store, in order).
    const ids = await queueNotes(page, caseId, 100, 'q')
    const notes = async () =>
      e.env.sql<{ id: string }[]>`select id from case_events where case_id = ${caseId} and type = 'note'`
    const online = Date.now()
    await page.context().setOffline(false)
    await until(async () => ((await notes()).length >= 100 ? true : null), 120_000)
    const storedMs = Date.now() - online
    await page.getByTestId('unsynced-count').waitFor({ state: 'detached', timeout: 60_000 })
    const stored = (await notes()).map((r) => r.id)
    expect(stored).toHaveLength(100)
    expect(new Set(stored)).toEqual(new Set(ids))

    // Away again, then back: the stream reconnects; a colleague's event reaches the screen.
    await goOffline(page)
    await page.context().setOffline(false)
    await liveOpen(page, 30_000)
    const colleague = page.locator('[data-testid=timeline] li[data-type=note]', { hasText: '心内科:已阅' })
    expect(await colleague.count()).toBe(0)
    const sent = Date.now()
    await postEvent(e, caseId, 'dr.chen', 'note', new Date().toISOString(), { text: '心内科:已阅' })
    await colleague.waitFor({ timeout: 30_000 })
    const liveMs = Date.now() - sent
    expect(await colleague.count()).toBe(1)
    console.log(`MEASURE online → all of 100 queued events stored: ${storedMs} ms`)
    console.log(`MEASURE colleague's event → tablet screen after a reconnect: ${liveMs} ms`)
    await close()
  }, 240_000)
})
