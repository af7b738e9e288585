/**
 * Debian's chromium driven by playwright-core (never a downloaded browser), launched the one way
 * the browser tests (test/e2e/browser.ts) and the slow-link benchmark (bench/slow-link.ts) share:
 * headless, no GPU, no background traffic of its own (updates, sync, QUIC) that would add
 * requests or bytes to what is measured, and `localhost` resolved to 127.0.0.1 so that the app
 * runs in a secure context on the loopback server.
 */
import fs from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const HAS_CHROMIUM = fs.existsSync(CHROMIUM_PATH)

export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--host-resolver-rules=MAP localhost 127.0.0.1',
]

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] })
}
