/** The set-up every browser-test file repeats: one real app and one chromium for the file. */
import { afterAll, beforeAll } from 'vitest'
import { startE2E, type E2E } from './browser.ts'

/**
 * The file's app and browser, started before its tests and closed after them. Call inside
 * `describeBrowser`, so that a skipped file starts nothing; the object is filled in `beforeAll`.
 */
export function useE2E(opts?: Parameters<typeof startE2E>[0]): E2E {
  const e = {} as E2E
  let started: E2E | undefined
  beforeAll(async () => {
    started = await startE2E(opts)
    Object.assign(e, started)
  })
  afterAll(async () => {
    await started?.close()
  })
  return e
}
