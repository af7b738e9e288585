/**
 * Browser-test helpers: the real app on a real socket, the PWA built once per run,
 * Debian's chromium driven by playwright-core (never a downloaded browser).
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import type { Server } from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { serve } from '@hono/node-server'
import type { Browser, Page } from 'playwright-core'
import { describe } from 'vitest'
import { CHROMIUM_PATH, HAS_CHROMIUM, launchChromium } from '../../bench/lib/chromium.ts'
import { testEnv, type TestEnv } from '../harness.ts'

const REPO = path.resolve(import.meta.dirname, '../..')
const PWA = path.join(REPO, 'pwa')
const DIST = path.join(PWA, 'dist')

export { CHROMIUM_PATH }
export const HAS_BROWSER = HAS_CHROMIUM

if (!HAS_BROWSER) {
  if (process.env.XINLIAN_REQUIRE_BROWSER === '1')
    throw new Error(
      `XINLIAN_REQUIRE_BROWSER=1 but no chromium at ${CHROMIUM_PATH} (apt-get install -y chromium)`,
    )
  console.warn(
    `\n${'!'.repeat(78)}\n!! BROWSER TESTS SKIPPED: no chromium at ${CHROMIUM_PATH}.\n` +
      `!! Install it with \`apt-get install -y chromium\` or set CHROMIUM_PATH.\n${'!'.repeat(78)}\n`,
  )
}

/** `describe` when a chromium is available, else a loud skip (a failure under XINLIAN_REQUIRE_BROWSER=1). */
export const describeBrowser: typeof describe.skip = HAS_BROWSER ? describe : describe.skip

function newestMtime(p: string): number {
  const st = fs.statSync(p)
  if (!st.isDirectory()) return st.mtimeMs
  return Math.max(st.mtimeMs, ...fs.readdirSync(p).map((f) => newestMtime(path.join(p, f))))
}

/** Build pwa/dist when it is missing or older than its sources; a lock keeps parallel files from racing. */
export async function ensurePwaBuilt(): Promise<void> {
  const stale = () => {
    const out = path.join(DIST, 'sw.js') // written last by the build
    if (!fs.existsSync(out)) return true
    const src = Math.max(
      newestMtime(path.join(PWA, 'src')),
      newestMtime(path.join(PWA, 'public')),
      newestMtime(path.join(PWA, 'index.html')),
      newestMtime(path.join(PWA, 'vite.config.ts')),
    )
    return fs.statSync(out).mtimeMs < src
  }
  if (!stale()) return
  const lock = path.join(
    os.tmpdir(),
    `xinlian-pwa-build-${Buffer.from(REPO).toString('hex').slice(-24)}.lock`,
  )
  for (;;) {
    try {
      fs.mkdirSync(lock)
      break
    } catch {
      if (Date.now() - fs.statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 120_000)
        fs.rmSync(lock, { recursive: true, force: true })
      await new Promise((r) => setTimeout(r, 250))
    }
  }
  try {
    // A child process: inside vitest NODE_ENV is "test", which would make Vite emit a dev build.
    if (stale())
      await new Promise<void>((resolve, reject) =>
        execFile(
          process.execPath,
          [path.join(REPO, 'node_modules/vite/bin/vite.js'), 'build', 'pwa', '--logLevel', 'warn'],
          { cwd: REPO, env: { ...process.env, NODE_ENV: 'production' } },
          (err, _out, stderr) => (err ? reject(new Error(`vite build failed: ${stderr}`)) : resolve()),
        ),
      )
  } finally {
    fs.rmSync(lock, { recursive: true, force: true })
  }
}

export interface E2E {
  env: TestEnv
  origin: string
  browser: Browser
  close: () => Promise<void>
}

/** A port free right now on 127.0.0.1 (for a server whose PUBLIC_URL must name it before it starts). */
async function freePort(): Promise<number> {
  const probe = net.createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const port = (probe.address() as net.AddressInfo).port
  await new Promise((resolve) => probe.close(resolve))
  return port
}

/**
 * The real app (fresh seeded database) on 127.0.0.1, reached as http://localhost:<port> (a secure
 * context). `env(origin)` adds settings that must know the origin in advance (PUBLIC_URL, vendors).
 */
export async function startE2E(
  opts: { env?: Record<string, string> | ((origin: string) => Record<string, string>) } = {},
): Promise<E2E> {
  await ensurePwaBuilt()
  const fixed = typeof opts.env === 'function' ? await freePort() : 0
  const settings = typeof opts.env === 'function' ? opts.env(`http://localhost:${fixed}`) : opts.env
  const env = await testEnv(settings ? { env: settings } : {})
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: env.app.fetch, port: fixed, hostname: '127.0.0.1' }, () => resolve(s as Server))
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const browser = await launchChromium()
  return {
    env,
    origin: `http://localhost:${port}`,
    browser,
    close: async () => {
      await browser.close()
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
      await env.close()
    },
  }
}

/** Sign in through the login screen. */
export async function signIn(page: Page, origin: string, username: string): Promise<void> {
  await page.goto(origin + '/')
  await page.locator('input[name=username]').fill(username)
  await page.locator('input[name=password]').fill('demo1234')
  await page.locator('button[type=submit]').click()
  await page.waitForURL((u) => u.pathname !== '/login' && u.pathname !== '/')
}

/** The page is controlled by the service worker (the app shell is cached). */
export async function swReady(page: Page): Promise<void> {
  const state = await page.evaluate(async () => {
    const timeout = new Promise<string>((r) => setTimeout(() => r('timeout'), 45_000))
    const ready = (async () => {
      await navigator.serviceWorker.ready
      if (!navigator.serviceWorker.controller)
        await new Promise<void>((r) =>
          navigator.serviceWorker.addEventListener('controllerchange', () => r(), { once: true }),
        )
      return 'ok'
    })()
    const result = await Promise.race([ready, timeout])
    if (result === 'ok') return result
    const reg = await navigator.serviceWorker.getRegistration()
    return `service worker not ready: ${JSON.stringify({ installing: reg?.installing?.state, waiting: reg?.waiting?.state, active: reg?.active?.state, controller: !!navigator.serviceWorker.controller })}`
  })
  if (state === 'ok') return
  // Active but not yet controlling this page (clients.claim() raced the load on a busy machine):
  // a reload is what a user would see, and makes the page controlled.
  if (state.includes('"active":"activated"')) {
    await page.reload()
    if (await page.evaluate(() => !!navigator.serviceWorker.controller)) return
  }
  throw new Error(state)
}

const ARTIFACTS = path.join(REPO, 'test-artifacts/screenshots')
const DOCS = path.join(REPO, 'docs/screenshots')

/** Screenshot under test-artifacts/screenshots (gitignored); `docs` also copies it to docs/screenshots. */
export async function shot(
  page: Page,
  name: string,
  opts: { docs?: boolean; fullPage?: boolean } = {},
): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true })
  const file = path.join(ARTIFACTS, name + '.png')
  await page.screenshot({ path: file, fullPage: opts.fullPage ?? false })
  if (opts.docs) {
    fs.mkdirSync(DOCS, { recursive: true })
    fs.copyFileSync(file, path.join(DOCS, name + '.png'))
  }
}

/** A small ECG-like PNG (the app icon will do as an image to upload). */
export const ECG_PNG = () => fs.readFileSync(path.join(PWA, 'public/icons/icon-512.png'))

/** Poll until `fn` returns a truthy value. */
export async function until<T>(
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 45_000, // generous: CI runs the browser beside the whole suite on 2 cores
): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await fn().catch(() => null)
    if (v) return v
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** Close the live alert banners (they are sticky and would cover element screenshots). */
export async function dismissBanners(page: Page): Promise<void> {
  for (;;) {
    const close = page.locator('[data-testid=alert-banner] button')
    if ((await close.count()) === 0) return
    await close.first().click()
  }
}
