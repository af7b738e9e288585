import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { serve } from '@hono/node-server'
import { maybeSeedDemo, startCore } from './boot.ts'
import { compose } from './compose.ts'
import { loadConfig } from './config.ts'
import { log } from '../workflows/runtime/platform/log.ts'
import { DEMO_LOGINS, networkCount, seedDemo } from '../fixtures/seed-demo.ts'
import { DEMO_PASSWORD } from '../fixtures/demo-network.ts'

/**
 * Last resort: an error nothing caught leaves the process in an unknown state. Log it (message and
 * stack only, never request data) and exit non-zero so the service manager restarts us
 * (docs/operations.md); the clinical events are already committed or still in the tablets' outboxes.
 */
function installCrashHandlers() {
  const die = (kind: string) => (e: unknown) => {
    log.error('fatal: ' + kind, {
      error: e instanceof Error ? e.message : String(e),
      stack: e instanceof Error ? e.stack?.split('\n').slice(0, 8).join('\n') : undefined,
    })
    process.exit(70) // EX_SOFTWARE
  }
  process.on('uncaughtException', die('uncaught exception'))
  process.on('unhandledRejection', die('unhandled rejection'))
}

/** Composition root: `npm start`. API + PWA + workers in one process on one port. */
async function main() {
  installCrashHandlers()
  const config = loadConfig()
  const core = await startCore(config)
  const seeded = await maybeSeedDemo(core.sql, config, { networkCount, seedDemo })
  // compose() starts the due-timer re-check; the HTTP layer (routes, schemas: a fifth of the
  // code to load) is loaded only then, so that timers due at a crash fire as early in a restart
  // as possible (api/compose.ts, test/int/timer-crash.int.test.ts).
  const composed = await compose(config, core.sql, core.boss)
  const { createApp, PWA_DIST } = await import('./app.ts')
  if (
    !fs.existsSync(path.join(PWA_DIST, 'index.html')) &&
    fs.existsSync(path.resolve('pwa/vite.config.ts'))
  ) {
    log.info('building the PWA once (npm run build:pwa)…')
    // Not execFileSync: the due timers are already firing, and must not wait for the build.
    const build = spawn(
      process.execPath,
      [path.resolve('node_modules/vite/bin/vite.js'), 'build', 'pwa', '--logLevel', 'warn'],
      { stdio: 'inherit' },
    )
    const code = await new Promise<number | null>((resolve) => build.once('exit', resolve))
    if (code !== 0) throw new Error(`the PWA build failed (exit code ${code})`)
  }
  const app = createApp(composed.deps)
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host })

  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.info('shutting down', { signal })
    server.close()
    await core.stop({ first: composed.stop })
    process.exit(0)
  }
  process.on('SIGINT', () => void shutdown('SIGINT'))
  process.on('SIGTERM', () => void shutdown('SIGTERM'))

  const lines = [
    '',
    `  心联 Xinlian is running at ${config.publicUrl}`,
    `  database: ${core.db.embedded ? 'embedded PostgreSQL (' + config.dataDir + '/pg)' : 'DATABASE_URL'}`,
  ]
  if (seeded !== 'skipped') {
    lines.push(
      `  demo network ${seeded === 'seeded' ? 'seeded' : 'present'}; logins (password ${DEMO_PASSWORD}):`,
    )
    for (const [u, role] of DEMO_LOGINS) lines.push(`    ${u.padEnd(16)} ${role}`)
  }
  const { all } = await networkCount(core.sql)
  if (all === 0) {
    lines.push(
      '  This database holds no network yet. Create its first admin (prints a one-time sign-in code):',
      '    npm run create-admin -- --network <网络名称> --username <login> --name <显示名>',
    )
  }
  lines.push('  Ctrl-C to stop; data is kept.', '')
  process.stdout.write(lines.join('\n') + '\n')
}

main().catch((e: unknown) => {
  log.error('start-up failed', { error: e instanceof Error ? e.message : String(e) })
  process.exit(1)
})
