/**
 * The township tablet's set-up for browser tests (township, screens, live-offline): Lantian
 * walk-in cases and their events through the real API, the tablet signed in, the live stream,
 * and going offline with events waiting in the outbox.
 */
import { subMinutes } from 'date-fns'
import type { BrowserContext, Page } from 'playwright-core'
import { demoId } from '../../fixtures/demo-network.ts'
import { signIn, type E2E } from './browser.ts'

export const LANTIAN = demoId('facility:lantian')

/** `min` minutes before now, as ISO text (the browser runs on the real clock). */
export const ago = (min: number) => subMinutes(Date.now(), min).toISOString()

/** Record an event on the case as `user`; anything but 201 fails the test. */
export async function postEvent(
  e: E2E,
  caseId: string,
  user: string,
  type: string,
  at: string,
  data: Record<string, unknown> = {},
): Promise<void> {
  const r = await e.env.call('POST', `/api/cases/${caseId}/events`, {
    token: await e.env.login(user),
    body: { id: crypto.randomUUID(), type, at, ...data },
  })
  if (r.status !== 201) throw new Error(`${type}: ${r.status} ${await r.text()}`)
}

/**
 * A Lantian walk-in started by the township physician, first contact `minutesAgo`, and (unless
 * `arrived: false`) the door-in recorded at the same moment, as the start protocol does.
 */
export async function walkIn(
  e: E2E,
  minutesAgo: number,
  patient: Record<string, unknown> = { sex: 'male', age: 62, weightKg: 70 },
  opts: { arrived?: boolean } = {},
): Promise<string> {
  const caseId = crypto.randomUUID()
  const at = ago(minutesAgo)
  const r = await e.env.call('POST', '/api/cases', {
    token: await e.env.login('lantian'),
    body: { id: caseId, facilityId: LANTIAN, patient, firstMedicalContactAt: at, arrivalMode: 'walk_in' },
  })
  if (r.status !== 201) throw new Error(`case: ${r.status} ${await r.text()}`)
  if (opts.arrived !== false) await postEvent(e, caseId, 'lantian', 'arrived', at, { facilityId: LANTIAN })
  return caseId
}

/** A 1024 × 768 tablet in Chinese, signed in as `user` (the Lantian physician by default). */
export async function openTablet(
  e: E2E,
  user = 'lantian',
): Promise<{ page: Page; context: BrowserContext; close: () => Promise<void> }> {
  const context = await e.browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'zh-CN' })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  page.on('pageerror', (err) => console.log('[pageerror]', err.message))
  await signIn(page, e.origin, user)
  return { page, context, close: () => context.close() }
}

/** The page's live stream is open (pwa/src/live.ts marks it on the document). */
export async function liveOpen(page: Page, timeoutMs?: number): Promise<void> {
  await page.waitForFunction(
    () => document.documentElement.dataset.live === 'open',
    null,
    timeoutMs === undefined ? {} : { timeout: timeoutMs },
  )
}

/** The network goes away, and the app says so. */
export async function goOffline(page: Page): Promise<void> {
  await page.context().setOffline(true)
  await page.getByTestId('offline').waitFor()
}

/**
 * `n` notes on the case queued the way the app's outbox stores them (its IndexedDB store
 * `pending`, in order), texts `${prefix}0` …; their ids, in that order.
 */
export async function queueNotes(page: Page, caseId: string, n: number, prefix: string): Promise<string[]> {
  return page.evaluate(
    async ({ id, n, prefix }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open('xinlian-outbox')
        r.onsuccess = () => resolve(r.result)
        r.onerror = () => reject(r.error ?? new Error('open'))
      })
      const tx = db.transaction('pending', 'readwrite')
      const out: string[] = []
      for (let i = 0; i < n; i++) {
        const body = {
          id: crypto.randomUUID(),
          type: 'note',
          at: new Date().toISOString(),
          text: `${prefix}${i}`,
        }
        out.push(body.id)
        tx.objectStore('pending').add({
          id: body.id,
          caseId: id,
          kind: 'event',
          url: `/api/cases/${id}/events`,
          body,
          createdAt: body.at,
          attempts: 0,
        })
      }
      await new Promise<void>((resolve) => (tx.oncomplete = () => resolve()))
      db.close()
      return out
    },
    { id: caseId, n, prefix },
  )
}
