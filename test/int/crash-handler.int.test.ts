import { afterAll, beforeAll, expect, it } from 'vitest'
import { testEnv, type TestEnv } from '../harness.ts'
import { startServerChild } from '../server-child.ts'

let t: TestEnv
beforeAll(async () => {
  t = await testEnv({ workers: false })
})
afterAll(async () => t.close())

/**
 * The last resort of api/server.ts: an error nothing caught leaves the process in an unknown
 * state, so it logs the error and exits 70 for the service manager to restart it
 * (docs/operations.md). test/crash-preload.ts makes a running server fail on SIGUSR2.
 */
for (const [kind, logged] of [
  ['throw', 'fatal: uncaught exception'],
  ['reject', 'fatal: unhandled rejection'],
] as const) {
  it(`a ${kind === 'throw' ? 'thrown exception' : 'rejected promise'} nobody handles: logged, exit code 70`, async () => {
    const server = await startServerChild(
      { DATABASE_URL: t.url, XINLIAN_DEMO: '0', XINLIAN_TEST_CRASH: kind },
      ['--import', './test/crash-preload.ts'],
    )
    expect((await fetch(`${server.base}/api/health`)).status).toBe(200)
    server.child.kill('SIGUSR2')
    const { code, signal } = await server.exited
    expect({ code, signal }).toEqual({ code: 70, signal: null })
    const line = server
      .stderr()
      .split('\n')
      .find((l) => l.includes(logged))
    expect(line).toBeDefined()
    const entry = JSON.parse(line!) as { level: string; error: string; stack?: string }
    expect(entry.level).toBe('error')
    expect(entry.error).toMatch(/^test: /)
    expect(entry.stack).toContain('crash-preload')
  }, 120_000)
}
