/**
 * The 120 crew's phone (docs/ambulance.md): a crew login starts a case from a 120 call, records
 * the dispatch time points, leaves the scene for the county sharing its position (with consent),
 * loses the network mid-transport while it keeps recording time points and positions, comes
 * back, and everything is stored exactly once; the county's incoming board shows the ambulance
 * with its ETA counting down.
 *
 * The dead zone lasts as long as it takes the phone to take three fixes at its own pace (one per
 * 15 s, pwa/src/position-share.ts), about a minute of real time: the phone's clock cannot be
 * moved forward to stand for ten minutes, because the server refuses clinical times ahead of its
 * own clock. What the dead zone tests — queued, in order, once — does not depend on its length.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { describeBrowser, shot, signIn, startE2E, until, type E2E } from './browser.ts'

const COUNTY = demoId('facility:county')
// The county's seeded coordinates and a scene ~21 km north-west of it (test/int/ambulance.int.test.ts).
const COUNTY_AT = { latitude: 25.0556, longitude: 118.1862 }
const SCENE = { latitude: 25.2, longitude: 118.05 }
const along = (f: number) => ({
  latitude: SCENE.latitude + (COUNTY_AT.latitude - SCENE.latitude) * f,
  longitude: SCENE.longitude + (COUNTY_AT.longitude - SCENE.longitude) * f,
  accuracy: 20,
})

describeBrowser('120 crew phone (real chromium)', () => {
  let e: E2E
  beforeAll(async () => {
    e = await startE2E()
  })
  afterAll(async () => {
    await e?.close()
  })

  it('starts a case from a 120 call, survives a dead zone mid-transport, and the county sees the ETA', async () => {
    const ctx = await e.browser.newContext({
      viewport: { width: 390, height: 844 },
      hasTouch: true,
      isMobile: true,
      locale: 'zh-CN',
      geolocation: along(0),
    })
    await ctx.grantPermissions(['geolocation'], { origin: e.origin })
    const page = await ctx.newPage()
    page.setDefaultTimeout(15_000)
    page.on('pageerror', (err) => console.log('[pageerror]', err.message))
    await signIn(page, e.origin, 'crew120')
    expect(new URL(page.url()).pathname).toBe('/crew')

    // The 120 call: time (now), sex, age; the vehicle is the crew's own.
    await page.getByTestId('sex-male').click()
    await page.locator('input[name=age]').fill('63')
    await page.getByTestId('crew-start-submit').click()
    await page.waitForURL(/\/crew\/cases\/[0-9a-f-]{36}$/)
    const caseId = new URL(page.url()).pathname.split('/').pop()!

    const tapped = async (type: string) => {
      await page.getByTestId(`tp-${type}`).click()
      await page.getByTestId(`tp-${type}`).locator('.tp-time').waitFor()
    }
    for (const type of ['ems_dispatched', 'ems_departed', 'ems_on_scene']) await tapped(type)
    // Leaving the scene names the destination.
    await page.getByTestId('tp-ems_left_scene').click()
    await page.getByTestId('dest-county').click()
    await page.getByTestId('dialog-record').click()
    await page.getByTestId('tp-ems_left_scene').locator('.tp-time').waitFor()
    await page.getByTestId('crew-destination').waitFor()

    const crew = await e.env.login('crew120')
    const eventTypes = async () => {
      const r = await e.env.call('GET', `/api/cases/${caseId}`, { token: crew })
      if (r.status !== 200) return []
      return ((await r.json()) as { events: { id: string; type: string }[] }).events
    }
    await until(async () => (await eventTypes()).some((x) => x.type === 'ems_left_scene')).catch(
      async (err: unknown) => {
        await shot(page, 'crew-debug', { fullPage: true })
        console.log('DEBUG events', JSON.stringify((await eventTypes()).map((x) => x.type)))
        console.log('DEBUG page', (await page.locator('main').textContent())?.slice(0, 1500))
        throw err
      },
    )

    // Consent, then the first fix on the road goes out at once.
    await page.getByTestId('share-consent').check()
    await ctx.setGeolocation(along(0.05))
    await expect.poll(() => page.getByTestId('share-status').textContent()).toContain('最近定位')
    const positions = async () =>
      e.env.sql<{ at: Date; lat: number }[]>`
        select at, lat from case_positions where case_id = ${caseId} order by at`
    await until(async () => (await positions()).length === 1)

    // The dead zone: time points and positions are kept on the phone.
    await ctx.setOffline(true)
    await page.getByTestId('offline').waitFor()
    await tapped('ecg_acquired')
    await page.getByTestId('tp-ecg_acquired').locator('.unsynced').waitFor()
    for (const [i, f] of [0.2, 0.35, 0.5].entries()) {
      // The phone keeps at most one fix per 15 s (its own pace, not the test's).
      await page.waitForTimeout(15_500)
      await ctx.setGeolocation(along(f))
      await expect
        .poll(() => page.getByTestId('share-queued').textContent())
        .toContain(`${i + 1} 个定位待发送`)
    }
    expect(await positions()).toHaveLength(1)
    await shot(page, 'crew-offline-transport')

    await ctx.setOffline(false)
    await page.getByTestId('share-queued').waitFor({ state: 'detached', timeout: 45_000 })
    await page.getByTestId('unsynced-count').waitFor({ state: 'detached', timeout: 30_000 })
    // Exactly once, in order: the events (through the API) and the four fixes.
    const events = await eventTypes()
    expect(new Set(events.map((x) => x.id)).size).toBe(events.length)
    const count = (type: string) => events.filter((x) => x.type === type).length
    for (const type of [
      'ems_call',
      'ems_dispatched',
      'ems_departed',
      'ems_on_scene',
      'ems_left_scene',
      'ecg_acquired',
    ])
      expect(count(type), type).toBe(1)
    // The FMC was moved from the call to the arrival on scene, once.
    expect(count('correction')).toBe(1)
    const fixes = await positions()
    expect(fixes).toHaveLength(4)
    expect(fixes.map((f) => f.lat.toFixed(5))).toEqual(
      [0.05, 0.2, 0.35, 0.5].map((f) => along(f).latitude.toFixed(5)),
    )
    await shot(page, 'crew-synced')

    // The county's incoming board, on another device: the ambulance with its ETA counting down.
    const county = await e.browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'zh-CN' })
    const board = await county.newPage()
    board.setDefaultTimeout(15_000)
    await signIn(board, e.origin, 'cathlab')
    expect(new URL(board.url()).pathname).toBe('/incoming')
    const row = board.locator(`[data-testid=incoming-row][data-case="${caseId}"]`)
    await row.waitFor()
    expect(await row.textContent()).toContain('1号车')
    const line = row.getByTestId('incoming-eta-line')
    await expect.poll(() => line.textContent()).toMatch(/预计 \d+ 分钟到达 · 导管室未激活/)
    expect(await row.getByTestId('incoming-eta-note').textContent()).toContain('车辆位置')
    const eta = row.getByTestId('incoming-eta')
    const first = await eta.textContent()
    expect(first).toMatch(/后到达/)
    await expect.poll(() => eta.textContent()).not.toBe(first)
    // Without the cardiologist's read the cath lab is not one tap away: it asks for a reason.
    await row.getByTestId('incoming-activate-now').waitFor()
    expect(await row.getByTestId('incoming-activate').count()).toBe(0)
    await shot(board, 'incoming-ambulance')
    const incoming = await e.env.call('GET', '/api/incoming', { token: await e.env.login('cathlab') })
    const mine = (
      (await incoming.json()) as { cases: { id: string; etaSource: string; to: { facilityId: string } }[] }
    ).cases.find((x) => x.id === caseId)
    expect(mine).toMatchObject({ etaSource: 'position', to: { facilityId: COUNTY } })
    await county.close()
    await ctx.close()
  }, 240_000)
})
