/**
 * The app on a slow link: Debian's chromium (playwright-core, never a downloaded browser) with
 * Chromium's own throttling through the DevTools protocol — Network.emulateNetworkConditions
 * (`BENCH_LINK_KBPS` down and up, default 400 kbit/s, `BENCH_LINK_RTT_MS` round trip, default
 * 400 ms) and Emulation.setCPUThrottlingRate 4 — against the real server with the built PWA.
 * Service workers are blocked: a first visit has none, and the page's own requests are the ones
 * the throttling applies to.
 *
 * - first load: from navigation until the login form is usable (cold cache);
 * - case screen: after signing in, a full navigation to /cases/:id until its time points show;
 * - sync after reconnecting: 100 events queued in the outbox while offline (written to its
 *   IndexedDB store exactly as `enqueueEvent` does), then back online: until the server holds
 *   all 100. The outbox sends them in batches (`POST /api/sync`, pwa/src/outbox.ts BATCH_SIZE).
 * - the same sync as an older server gets it: `/api/sync` answers 404 (the page's request is
 *   fulfilled locally), and the outbox falls back to one POST per event, in order — the app
 *   before the batch route, measured on the same page in the same run.
 * Baselines: the same steps without throttling, and for the batched sync the single POSTs, in
 * the same run. Load-independent beside the times: the POST requests each sync made.
 *
 *   npx tsx bench/slow-link.ts       (BENCH_SYNC_EVENTS=100)
 */
import fs from 'node:fs'
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import type { Browser, CDPSession, Page } from 'playwright-core'
import { isMain, runAlone } from './lib/alone.ts'
import { CHROMIUM_PATH as CHROMIUM, launchChromium } from './lib/chromium.ts'
import { LANTIAN } from './lib/cases.ts'
import type { Cluster } from './lib/cluster.ts'
import type { BenchResult, Row } from './lib/result.ts'
import { createCasesOverHttp, startServer, type BenchServer } from './lib/server.ts'
import { loadAvg, round, sleep } from './lib/stats.ts'

const REPO = path.resolve(import.meta.dirname, '..')

interface Link {
  kbps: number
  rttMs: number
  cpu: number
}

interface Sync {
  ms: number
  synced: number
  /** POST requests the page made until the server held every event: to the batch route, to the event route. */
  posts: { batch: number; single: number }
}

interface Run {
  firstLoadMs: number
  firstLoadBytes: number
  caseScreenMs: number
  /** Through `POST /api/sync`. */
  sync: Sync
  /** One POST per event (the server answering 404 to `/api/sync`), throttled runs only. */
  singles: Sync | null
}

function ensureBuilt() {
  if (fs.existsSync(path.join(REPO, 'pwa/dist/sw.js'))) return
  execFileSync(
    process.execPath,
    [path.join(REPO, 'node_modules/vite/bin/vite.js'), 'build', 'pwa', '--logLevel', 'warn'],
    {
      cwd: REPO,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: 'inherit',
    },
  )
}

async function network(cdp: CDPSession, link: Link | null, offline = false) {
  await cdp.send('Network.emulateNetworkConditions', {
    offline,
    latency: link ? link.rttMs : 0,
    downloadThroughput: link ? (link.kbps * 1000) / 8 : -1,
    uploadThroughput: link ? (link.kbps * 1000) / 8 : -1,
  })
}

/** Offline: queue `n` notes in the outbox store as enqueueEvent writes them; online: until all are stored. */
async function queueAndSync(
  page: Page,
  cdp: CDPSession,
  srv: BenchServer,
  link: Link | null,
  caseId: string,
  n: number,
): Promise<Sync> {
  const count = async () => {
    const [r] = await srv.sql<{ n: number }[]>`
      select count(*)::int as n from case_events where case_id = ${caseId} and type = 'note'`
    return r!.n
  }
  const before = await count()
  await network(cdp, link, true)
  await page.evaluate(
    async ({ caseId, n, facilityId }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open('xinlian-outbox', 2)
        r.onsuccess = () => resolve(r.result)
        r.onerror = () => reject(r.error ?? new Error('idb'))
      })
      const tx = db.transaction('pending', 'readwrite')
      const store = tx.objectStore('pending')
      const base = Date.now()
      for (let i = 0; i < n; i++) {
        const id = crypto.randomUUID()
        store.add({
          id,
          caseId,
          kind: 'event',
          url: `/api/cases/${caseId}/events`,
          body: { id, type: 'note', at: new Date(base + i).toISOString(), facilityId, text: `note ${i}` },
          createdAt: new Date().toISOString(),
          attempts: 0,
        })
      }
      await new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve()
        tx.onerror = () => reject(tx.error ?? new Error('idb'))
      })
      db.close()
    },
    { caseId, n, facilityId: LANTIAN },
  )
  const posts = { batch: 0, single: 0 }
  const onRequest = (r: { method: () => string; url: () => string }) => {
    if (r.method() !== 'POST') return
    const p = new URL(r.url()).pathname
    if (p === '/api/sync') posts.batch++
    else if (/^\/api\/cases\/[^/]+\/events$/.test(p)) posts.single++
  }
  page.on('request', onRequest)
  const t = performance.now()
  await network(cdp, link, false)
  // The browser fires `online` when the emulated link comes back; fire it too in case it did
  // not (the app flushes on it, pwa/src/store.ts).
  await page.evaluate(() => window.dispatchEvent(new Event('online')))
  let synced = 0
  while (performance.now() - t < 600_000) {
    synced = (await count()) - before
    if (synced >= n) break
    await sleep(100)
  }
  const ms = performance.now() - t
  page.off('request', onRequest)
  return { ms, synced, posts }
}

async function run(
  browser: Browser,
  srv: BenchServer,
  origin: string,
  link: Link | null,
  events: number,
): Promise<Run> {
  const context = await browser.newContext({
    viewport: { width: 412, height: 915 },
    locale: 'zh-CN',
    serviceWorkers: 'block',
  })
  try {
    const page: Page = await context.newPage()
    page.setDefaultTimeout(120_000)
    const cdp = await context.newCDPSession(page)
    await cdp.send('Network.enable')
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: false })
    await network(cdp, link)
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: link?.cpu ?? 1 })

    let t = performance.now()
    await page.goto(origin + '/', { waitUntil: 'commit' })
    await page.locator('input[name=username]').waitFor({ state: 'visible' })
    const firstLoadMs = performance.now() - t
    const firstLoadBytes = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .concat(performance.getEntriesByType('navigation'))
        .reduce((s, e) => s + ((e as PerformanceResourceTiming).transferSize || 0), 0),
    )

    await page.locator('input[name=username]').fill('lantian')
    await page.locator('input[name=password]').fill('demo1234')
    await page.locator('button[type=submit]').click()
    await page.waitForURL((u) => u.pathname !== '/login' && u.pathname !== '/')
    const token = await srv.login('lantian')
    const [caseId] = await createCasesOverHttp(srv.base, token, LANTIAN, 1)

    t = performance.now()
    await page.goto(`${origin}/cases/${caseId}`, { waitUntil: 'commit' })
    await page.getByTestId('tp-ecg_acquired').waitFor({ state: 'visible' })
    const caseScreenMs = performance.now() - t

    const sync = await queueAndSync(page, cdp, srv, link, caseId!, events)
    let singles: Sync | null = null
    if (link) {
      // An older server: no batch route. Fulfilled here, so the 404 itself costs no round trip.
      await page.route('**/api/sync', (r) =>
        r.fulfill({ status: 404, contentType: 'application/json', body: '{"error":{"code":"not_found"}}' }),
      )
      singles = await queueAndSync(page, cdp, srv, link, caseId!, events)
    }
    return { firstLoadMs, firstLoadBytes, caseScreenMs, sync, singles }
  } finally {
    await context.close()
  }
}

export async function runSlowLink(cluster: Cluster, opts: { events?: number } = {}) {
  const events = opts.events ?? Number(process.env.BENCH_SYNC_EVENTS ?? 100)
  const link: Link = {
    kbps: Number(process.env.BENCH_LINK_KBPS ?? 400),
    rttMs: Number(process.env.BENCH_LINK_RTT_MS ?? 400),
    cpu: 4,
  }
  if (!fs.existsSync(CHROMIUM)) {
    const rows: Row[] = [
      { bench: 'slow link', metric: `no chromium at ${CHROMIUM}`, value: null, unit: '', status: 'pending' },
    ]
    return { name: 'slow-link', rows, detail: {} } satisfies BenchResult
  }
  ensureBuilt()
  const db = await cluster.database('slowlink')
  const srv = await startServer(db.url)
  const port = new URL(srv.base).port
  const origin = `http://localhost:${port}`
  const browser = await launchChromium()
  try {
    const load = loadAvg()
    const fast = await run(browser, srv, origin, null, events)
    const slow = await run(browser, srv, origin, link, events)
    const bench = `slow link (${link.kbps} kbit/s, ${link.rttMs} ms RTT, CPU ÷${link.cpu})`
    const row = (metric: string, v: number, b: number, extra: Partial<Row> = {}): Row => ({
      bench,
      metric,
      value: round(v, 0),
      unit: 'ms',
      baseline: round(b, 0),
      ratio: round(v / Math.max(b, 1), 1),
      status: 'info',
      ...extra,
    })
    const result: BenchResult = {
      name: 'slow-link',
      rows: [
        row('first load (login form usable)', slow.firstLoadMs, fast.firstLoadMs, {
          note: `${round(slow.firstLoadBytes / 1024)} KiB transferred; baseline: unthrottled`,
        }),
        row('case screen (time points shown)', slow.caseScreenMs, fast.caseScreenMs),
        row(`sync ${events} queued events after reconnecting`, slow.sync.ms, fast.sync.ms, {
          status: slow.sync.synced >= events ? 'info' : 'missed',
          note: `batched: ${slow.sync.posts.batch} POST /api/sync + ${slow.sync.posts.single} single POSTs; ${round(slow.sync.ms / events, 0)} ms per event throttled; baseline: unthrottled`,
        }),
        row(
          `sync ${events} queued events, one POST per event (before /api/sync)`,
          slow.singles!.ms,
          slow.sync.ms,
          {
            status: slow.singles!.synced >= events ? 'info' : 'missed',
            note: `${slow.singles!.posts.single} POSTs (1 batch answered 404 locally); ${round(slow.singles!.ms / events, 0)} ms per event; baseline: batched, same link, same run`,
          },
        ),
      ],
      detail: { link, load, throttled: slow, unthrottled: fast },
    }
    return result
  } finally {
    await browser.close()
    await srv.stop()
    await db.drop()
  }
}

if (isMain(import.meta)) await runAlone((c) => runSlowLink(c))
