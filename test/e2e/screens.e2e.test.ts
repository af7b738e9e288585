/**
 * The screens people asked for (real chromium, real server): the cardiologist's decision on the
 * phone's first screen, the ECG viewer, and the incoming board of the county.
 */
import { expect, it } from 'vitest'
import { NO_ANSWERS } from '../../workflows/core/test-support.ts'
import { upload } from '../push-support.ts'
import { loadScenario, replayOverHttp } from '../scenarios.ts'
import { ECG_PNG, describeBrowser, dismissBanners, shot, signIn } from './browser.ts'
import { useE2E } from './suite.ts'
import { ago, LANTIAN, openTablet, postEvent, walkIn } from './tablet.ts'

describeBrowser('screens for the cardiologist and the county (real chromium)', () => {
  const e = useE2E()

  /** A Lantian STEMI up to the consent, ECG uploaded, one relative contraindication ticked. */
  async function caseAwaitingDecision(): Promise<string> {
    const caseId = await walkIn(e, 20, { sex: 'male', age: 58, weightKg: 65 })
    await postEvent(e, caseId, 'lantian', 'ecg_acquired', ago(17), { facilityId: LANTIAN })
    const att = (await (
      await upload(e.env, 'lantian', caseId, ECG_PNG(), 'image/png', 'ecg.png')
    ).json()) as {
      id: string
    }
    await postEvent(e, caseId, 'lantian', 'ecg_transmitted', ago(16), { via: 'upload', attachmentId: att.id })
    await postEvent(e, caseId, 'dr.chen', 'diagnosis', ago(12), { diagnosis: 'stemi' })
    await postEvent(e, caseId, 'dr.chen', 'strategy', ago(11), { strategy: 'pharmacoinvasive' })
    await postEvent(e, caseId, 'lantian', 'lysis_checklist', ago(6), {
      answers: { ...NO_ANSWERS, uncontrolled_hypertension: true },
      weightKg: 65,
      drug: 'tenecteplase',
      doseMg: 35,
      doseFraction: 'full',
    })
    await postEvent(e, caseId, 'lantian', 'consent_started', ago(5))
    await postEvent(e, caseId, 'lantian', 'consent_signed', ago(3))
    return caseId
  }

  it('phone: patient, clock, ECG, the relative contraindication and the decision fit the first 844 px; then the decision replaces the buttons', async () => {
    const caseId = await caseAwaitingDecision()
    const ctx = await e.browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      hasTouch: true,
      locale: 'zh-CN',
    })
    const phone = await ctx.newPage()
    phone.setDefaultTimeout(15_000)
    await signIn(phone, e.origin, 'dr.chen')
    await phone.goto(`${e.origin}/consults/${caseId}`)
    await phone.getByTestId('ecg-thumb').locator('img').waitFor()
    await phone.getByTestId('relative').getByText('未控制的高血压').waitFor()
    await phone.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('[data-testid=ecg-thumb] img')
      return !!img && img.complete && img.naturalWidth > 0
    })
    await dismissBanners(phone)
    await phone.evaluate(() => window.scrollTo(0, 0))
    const bottom = (id: string) =>
      phone.getByTestId(id).evaluate((el) => el.getBoundingClientRect().bottom + window.scrollY)
    for (const id of ['consult-patient', 'consult-clock', 'ecg-thumb', 'relative', 'approve', 'decline'])
      expect(await bottom(id), `${id} above the fold`).toBeLessThanOrEqual(844)
    await shot(phone, 'phone-decision-first-screen', { docs: true })

    await phone.getByTestId('approve').click()
    await expect.poll(() => phone.getByTestId('consult-decision').textContent()).toContain('已批准溶栓')
    expect(await phone.getByTestId('approve').count()).toBe(0)
    expect(await phone.getByTestId('decline').count()).toBe(0)
    await phone.getByTestId('decision-correct').waitFor()

    // The ECG viewer: acquisition time and uploader, double-tap zooms in at the tap.
    await phone.getByTestId('ecg-thumb').click()
    await phone.getByTestId('ecg-viewer').waitFor()
    await expect.poll(() => phone.getByTestId('ecg-meta').textContent()).toContain('采集')
    expect(await phone.getByTestId('ecg-meta').textContent()).toContain('上传')
    await phone.getByTestId('ecg-rotate').waitFor()
    const box = (await phone.getByTestId('ecg-stage').boundingBox())!
    await phone.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2)
    await phone.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2)
    await expect.poll(() => phone.getByTestId('ecg-viewer').getAttribute('data-scale')).toBe('2.5')
    await shot(phone, 'phone-ecg-zoomed')
    await ctx.close()
  }, 120_000)

  it('cath lab: lands on the incoming board, a departed patient counts down to arrival, one tap activates and readies the lab', async () => {
    const s = loadScenario('anxi')
    const upTo = s.case.events.findIndex((x) => x.type === 'departed')
    const { caseId } = await replayOverHttp(e.env, {
      ...s,
      case: { ...s.case, events: s.case.events.slice(0, upTo + 1) },
    })
    const ctx = await e.browser.newContext({
      viewport: { width: 390, height: 844 },
      hasTouch: true,
      locale: 'zh-CN',
    })
    const page = await ctx.newPage()
    page.setDefaultTimeout(15_000)
    await signIn(page, e.origin, 'cathlab')
    expect(new URL(page.url()).pathname).toBe('/incoming')
    const row = page.locator(`[data-testid=incoming-row][data-case="${caseId}"]`)
    await row.waitFor()
    expect(await row.textContent()).toContain('蓝田')
    const eta = row.getByTestId('incoming-eta')
    const first = await eta.textContent()
    expect(first).toMatch(/1:1\d:\d\d 后到达/)
    await expect.poll(() => eta.textContent()).not.toBe(first)
    await dismissBanners(page)
    await shot(page, 'incoming-board', { docs: true })
    await row.getByTestId('incoming-activate').click()
    await row.getByTestId('incoming-ready').click()
    await row.getByTestId('incoming-ready-at').waitFor()
    const types = async () =>
      (
        await e.env.sql<{ type: string }[]>`select type from case_events where case_id = ${caseId}
          and type in ('cath_lab_activated', 'cath_lab_ready') order by seq`
      ).map((r) => r.type)
    await expect.poll(types, { timeout: 30_000 }).toEqual(['cath_lab_activated', 'cath_lab_ready'])
    await ctx.close()
  }, 120_000)

  it('township tablet: the ECG upload above the fold at 1024 × 768, running clocks ≥ 32 px, the next step highlighted', async () => {
    const caseId = await walkIn(e, 2, { sex: 'female', age: 66 })
    const { page: tablet, close } = await openTablet(e)
    await tablet.goto(`${e.origin}/cases/${caseId}`)
    await tablet.getByTestId('deadline-first_ecg').waitFor()
    await dismissBanners(tablet)
    await tablet.evaluate(() => window.scrollTo(0, 0))
    const upload = await tablet
      .getByTestId('ecg-camera')
      .evaluate((el) => (el.closest('label') ?? el).getBoundingClientRect().bottom + window.scrollY)
    expect(upload).toBeLessThanOrEqual(768)
    const px = await tablet
      .getByTestId('deadline-first_ecg')
      .locator('.cd-time')
      .evaluate((el) => parseFloat(getComputedStyle(el).fontSize))
    expect(px).toBeGreaterThanOrEqual(32)
    expect(await tablet.getByTestId('tp-ecg_acquired').getAttribute('class')).toContain('tp-next')
    expect(await tablet.getByTestId('tp-arrived').getAttribute('class')).not.toContain('tp-next')
    await shot(tablet, 'tablet-case-first-screen', { docs: true })
    await close()
  }, 120_000)
})
