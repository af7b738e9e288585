import { randomUUID } from 'node:crypto'
import type { PgBoss } from 'pg-boss'
import { inject } from 'vitest'
import { createApp, type App } from '../api/app.ts'
import { compose, type ComposeOptions, type Composed } from '../api/compose.ts'
import { loadConfig, type Config } from '../api/config.ts'
import { connect, type Sql } from '../workflows/runtime/platform/connect.ts'
import { setLogLevel } from '../workflows/runtime/platform/log.ts'
import { startBoss } from '../workflows/runtime/boss.ts'
import { seedDemo } from '../fixtures/seed-demo.ts'
import { withDb } from './global-setup.ts'

export interface TestEnv {
  url: string
  sql: Sql
  boss: PgBoss
  config: Config
  app: App
  deps: Composed['deps']
  /** Sign in through the real login endpoint; returns the bearer token. */
  login: (username: string, password?: string) => Promise<string>
  /** JSON request through the real app with a bearer token. */
  call: (
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ) => Promise<Response>
  close: () => Promise<void>
}

/** A fresh database cloned from the migrated template, with real pg-boss and the real app. */
export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = inject('pgAdminUrl')
  const name = `t_${randomUUID().replaceAll('-', '')}`
  const admin = connect(adminUrl, 1)
  await admin.unsafe(`create database ${name} template ${inject('templateDb')}`)
  await admin.end()
  return {
    url: withDb(adminUrl, name),
    drop: async () => {
      const a = connect(adminUrl, 1)
      await a.unsafe(`drop database if exists ${name} with (force)`)
      await a.end()
    },
  }
}

export async function testEnv(
  opts: {
    seed?: boolean
    env?: Record<string, string>
    workers?: boolean
    compose?: Omit<ComposeOptions, 'workers'>
  } = {},
): Promise<TestEnv> {
  setLogLevel('silent')
  const db = await freshDatabase()
  const sql = connect(db.url, 10)
  if (opts.seed ?? true) await seedDemo(sql)
  const boss = await startBoss(db.url, { supervise: false })
  const config = loadConfig({
    PORT: '0',
    PUSH_ALLOWED_HOSTS: '127.0.0.1:*,localhost:*,push.example.test',
    ...opts.env,
  })
  const composed = await compose(config, sql, boss, { workers: opts.workers ?? true, ...opts.compose })
  const app = createApp(composed.deps)
  const call: TestEnv['call'] = (method, path, o = {}) =>
    Promise.resolve(
      app.request(path, {
        method,
        headers: {
          ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
          ...o.headers,
        },
        body: o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body),
      }),
    )
  const tokens = new Map<string, string>()
  return {
    url: db.url,
    sql,
    boss,
    config,
    app,
    deps: composed.deps,
    call,
    login: async (username, password = 'demo1234') => {
      const cached = tokens.get(username + '\0' + password)
      if (cached) return cached
      const r = await call('POST', '/api/auth/login', { body: { username, password } })
      if (r.status !== 200) throw new Error(`login ${username} failed: ${r.status} ${await r.text()}`)
      const { token } = (await r.json()) as { token: string }
      tokens.set(username + '\0' + password, token)
      return token
    },
    close: async () => {
      await composed.stop()
      await boss.stop({ graceful: false, close: true })
      await sql.end({ timeout: 2 })
      await db.drop()
    },
  }
}
