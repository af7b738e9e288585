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
 *   all 100. The outbox sends one POST at a time, in order (pwa/src/outbox.ts).
 * Baseline: the same steps without throttling, in the same run.
 *
 *   npx tsx bench/slow-link.ts       (BENCH_SYNC_EVENTS=100)
 */
import fs from 'node:fs'
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core'
import { isMain, runAlone } from './lib/alone.ts'
import { LANTIAN } from './lib/cases.ts'
import type { Cluster } from './lib/cluster.ts'
import type { BenchResult, Row } from './lib/result.ts'
import { createCasesOverHttp, startServer, type BenchServer } from './lib/server.ts'
import { loadAvg, round, sleep } from './lib/stats.ts'

const REPO = path.resolve(import.meta.dirname, '..')
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

interface Link {
  kbps: number
  rttMs: number
  cpu: number
}

interface Run {
  firstLoadMs: number
  firstLoadBytes: number
  caseScreenMs: number
  syncMs: number
  synced: number
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

    // Offline: queue `events` notes in the outbox store, as enqueueEvent writes them.
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
      { caseId: caseId!, n: events, facilityId: LANTIAN },
    )
    const count = async () => {
      const [r] = await srv.sql<{ n: number }[]>`
        select count(*)::int as n from case_events where case_id = ${caseId!} and type = 'note'`
      return r!.n
    }
    t = performance.now()
    await network(cdp, link, false)
    // The browser fires `online` when the emulated link comes back; fire it too in case it did
    // not (the app flushes on it, pwa/src/store.ts).
    await page.evaluate(() => window.dispatchEvent(new Event('online')))
    let synced = 0
    while (performance.now() - t < 600_000) {
      synced = await count()
      if (synced >= events) break
      await sleep(100)
    }
    const syncMs = performance.now() - t
    return { firstLoadMs, firstLoadBytes, caseScreenMs, syncMs, synced }
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
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--host-resolver-rules=MAP localhost 127.0.0.1',
    ],
  })
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
        row(`sync ${events} queued events after reconnecting`, slow.syncMs, fast.syncMs, {
          status: slow.synced >= events ? 'info' : 'missed',
          note: `one POST at a time, in order; ${round(slow.syncMs / events, 0)} ms per event throttled`,
        }),
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
