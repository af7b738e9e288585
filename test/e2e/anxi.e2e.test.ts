import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  ECG_PNG,
  describeBrowser,
  dismissBanners,
  shot,
  signIn,
  startE2E,
  swReady,
  until,
  type E2E,
} from './browser.ts'

interface CaseJson {
  events: { type: string; data: Record<string, unknown> }[]
  metrics: Record<string, number | null>
  deadlines: { rule: string; status: string }[]
}

/**
 * The Anxi story of README.md, through the UI: the Lantian township physician on a 1024×768 tablet,
 * the on-call cardiologist (dr.chen) on a 390×844 phone.
 */
describeBrowser('Anxi scenario through the tablet and phone UI (real chromium)', () => {
  let e: E2E
  beforeAll(async () => {
    e = await startE2E()
  })
  afterAll(async () => {
    await e?.close()
  })

  it('start protocol → arrival → ECG upload → remote STEMI read → checklist → approval → bolus → transfer', async () => {
    const tabletCtx = await e.browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'zh-CN' })
    const tablet = await tabletCtx.newPage()
    tablet.setDefaultTimeout(15_000)
    tablet.on('pageerror', (err) => console.log('[tablet pageerror]', err.message))
    await signIn(tablet, e.origin, 'lantian')
    await swReady(tablet)
    await shot(tablet, 'tablet-home')

    // Start protocol: male, 58, 70 kg, pain for about 2 hours, walk-in; arrival recorded with it.
    await tablet.getByTestId('start-protocol').click()
    await tablet.getByTestId('sex-male').click()
    await tablet.locator('input[name=age]').fill('58')
    await tablet.locator('input[name=weight]').fill('70')
    await tablet.locator('input[name=onsetAgo]').fill('120')
    await shot(tablet, 'tablet-start-protocol')
    await tablet.getByTestId('start-submit').click()
    await tablet.waitForURL(/\/cases\/[0-9a-f-]{36}$/)
    const caseId = new URL(tablet.url()).pathname.split('/').pop()!
    const caseView = async (): Promise<CaseJson | null> => {
      const token = await e.env.login('lantian')
      const r = await e.env.call('GET', `/api/cases/${caseId}`, { token })
      return r.status === 200 ? ((await r.json()) as CaseJson) : null
    }
    await until(async () => {
      const cv = await caseView()
      return cv?.events.some((x) => x.type === 'arrived') === true
    })
    await tablet.getByTestId('deadline-first_ecg').waitFor()
    await tablet.getByTestId('tp-arrived').locator('.tp-time').waitFor()

    // First ECG (one tap = now), then the photo of it goes to the county.
    await tablet.getByTestId('tp-ecg_acquired').click()
    await tablet
      .getByTestId('ecg-file')
      .setInputFiles({ name: 'ecg.png', mimeType: 'image/png', buffer: ECG_PNG() })
    await expect
      .poll(() => tablet.getByTestId('ecg-msg').textContent(), { timeout: 15_000 })
      .toContain('已上传')

    // The cardiologist's phone: the consult page; reading the ECG as STEMI.
    const phoneCtx = await e.browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      hasTouch: true,
      locale: 'zh-CN',
    })
    const phone = await phoneCtx.newPage()
    phone.setDefaultTimeout(15_000)
    phone.on('pageerror', (err) => console.log('[phone pageerror]', err.message))
    await signIn(phone, e.origin, 'dr.chen')
    await phone.getByTestId('consult-row').first().waitFor()
    await shot(phone, 'phone-consult-inbox')
    await phone.goto(`${e.origin}/consults/${caseId}`)
    await phone.getByTestId('ecg-thumb').waitFor()
    await phone.getByTestId('consult-dx-stemi').click()
    // Read receipt on the tablet (consult_acknowledged recorded when the page opened), live via SSE.
    await tablet.getByTestId('read-receipt').waitFor({ timeout: 20_000 })
    await expect.poll(() => tablet.getByTestId('read-receipt').textContent()).toContain('陈主任')

    // Strategy: pharmacoinvasive (county 78 min away), with the advice numbers shown.
    await tablet.getByTestId('advice').getByText('预计确诊至导丝').first().waitFor({ timeout: 20_000 })
    await tablet.getByTestId('tp-strategy').click()
    await tablet.getByTestId('strategy-pharmacoinvasive').click()
    await tablet.getByTestId('dialog-record').click()

    // Checklist (docs/clinical-rules.md): every item answered, uncontrolled hypertension ticked as a relative one.
    await tablet.getByTestId('tp-lysis_checklist').click()
    for (const k of [
      'prior_intracranial_haemorrhage',
      'cerebrovascular_malformation',
      'intracranial_malignancy',
      'ischaemic_stroke_or_tia_3m',
      'aortic_dissection',
      'active_bleeding_or_diathesis',
      'head_or_facial_trauma_3m',
      'prolonged_or_traumatic_cpr',
      'dementia_or_intracranial_disease',
      'recent_trauma_surgery_or_internal_bleeding',
      'noncompressible_puncture_2w',
      'endocarditis',
      'pregnancy',
      'active_peptic_ulcer',
      'end_stage_cancer_or_severe_organ_disease',
      'current_anticoagulant',
    ])
      await tablet.getByTestId(`ck-${k}-no`).click()
    await tablet.getByTestId('ck-uncontrolled_hypertension-yes').click()
    await expect.poll(() => tablet.getByTestId('dose').textContent()).toContain('40 mg')
    await dismissBanners(tablet)
    await tablet.getByTestId('checklist').scrollIntoViewIfNeeded()
    await tablet.getByTestId('checklist').screenshot({ path: 'test-artifacts/screenshots/checklist.png' })
    await tablet.getByTestId('checklist-submit').click()
    await tablet.getByTestId('checklist-result').waitFor({ timeout: 20_000 })
    await dismissBanners(tablet)
    await tablet.getByTestId('checklist').screenshot({ path: 'docs/screenshots/checklist.png' })
    await tablet.getByTestId('tp-consent_started').click()
    await tablet.getByTestId('tp-consent_signed').click()

    // The cardiologist sees the relative contraindication prominently, then approves.
    await phone.reload()
    await phone.getByTestId('relative').getByText('未控制的高血压').waitFor({ timeout: 20_000 })
    await dismissBanners(phone)
    await shot(phone, 'consult-page', { docs: true, fullPage: true })
    await phone.getByTestId('ecg-thumb').click()
    await phone.getByTestId('ecg-viewer').waitFor()
    await shot(phone, 'phone-ecg-fullscreen')
    await phone.getByRole('button', { name: '关闭' }).click()
    await phone.getByTestId('approve').click()
    await phone.getByTestId('consult-decision').waitFor()

    // Needle: the bolus dialog shows the dose to confirm (never auto-administered).
    await tablet.getByTestId('lysis-decision').waitFor({ timeout: 20_000 })
    await dismissBanners(tablet)
    await tablet.evaluate(() => window.scrollTo(0, 0))
    await shot(tablet, 'case-tablet', { docs: true })
    await tablet.getByTestId('tp-lysis_bolus').click()
    await expect.poll(() => tablet.getByTestId('bolus-dose').textContent()).toContain('40')
    await tablet.getByTestId('dialog-record').click()
    await tablet.getByTestId('tp-lysis_bolus').locator('.tp-time').waitFor()

    // Transfer straight to the county cath lab.
    await tablet.getByTestId('tp-transfer_decided').click()
    await tablet.getByTestId('dialog-record').click()
    await tablet.getByTestId('tp-cath_lab_activated').click()
    await tablet.getByTestId('tp-departed').click()
    await tablet.getByTestId('dialog-record').click()

    const v = await until(async () => {
      const cv = await caseView()
      return cv?.events.some((x) => x.type === 'departed') ? cv : null
    })
    const types = v.events.map((x) => x.type)
    for (const t of [
      'first_medical_contact',
      'symptom_onset',
      'arrived',
      'ecg_acquired',
      'ecg_transmitted',
      'consult_acknowledged',
      'diagnosis',
      'strategy',
      'lysis_checklist',
      'consent_started',
      'consent_signed',
      'lysis_decision',
      'lysis_bolus',
      'transfer_decided',
      'cath_lab_activated',
      'departed',
    ])
      expect(types).toContain(t)
    const transmitted = v.events.find((x) => x.type === 'ecg_transmitted')!
    expect(transmitted.data.attachmentId).toBeTruthy()
    const bolus = v.events.find((x) => x.type === 'lysis_bolus')!
    expect(bolus.data).toMatchObject({ drug: 'tenecteplase', doseMg: 40, doseFraction: 'full' })
    expect(v.metrics.door_to_needle).toBeLessThan(30)
    expect(v.deadlines.find((d) => d.rule === 'door_to_needle')?.status).toBe('met')

    await dismissBanners(tablet)
    await tablet.evaluate(() => window.scrollTo(0, 0))
    await tablet.getByTestId('tp-departed').locator('.tp-time').waitFor()
    await shot(tablet, 'case-tablet-after-transfer')
    await shot(tablet, 'case-tablet-full', { fullPage: true })
    await phoneCtx.close()
    await tabletCtx.close()
  }, 180_000)
})
