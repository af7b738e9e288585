import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import type { PgBoss } from 'pg-boss'
import { createApp } from '../../api/app.ts'
import { compose, type Composed } from '../../api/compose.ts'
import { loadConfig } from '../../api/config.ts'
import { connect, type Sql } from '../../workflows/runtime/platform/connect.ts'
import { setLogLevel } from '../../workflows/runtime/platform/log.ts'
import { startBoss } from '../../workflows/runtime/boss.ts'

export interface BenchServer {
  base: string
  sql: Sql
  boss: PgBoss
  deps: Composed['deps']
  login: (username: string) => Promise<string>
  stop: () => Promise<void>
}

/**
 * The real HTTP server (`serve()` from @hono/node-server on 127.0.0.1, the app of `npm start`,
 * its timer worker and live hub) on a bench database. Pool sizes are the product's defaults.
 */
export async function startServer(
  url: string,
  opts: { env?: Record<string, string>; workers?: boolean } = {},
): Promise<BenchServer> {
  setLogLevel('error')
  const sql = connect(url)
  const boss = await startBoss(url, { supervise: false })
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: url, ...opts.env })
  const composed = await compose(config, sql, boss, { workers: opts.workers ?? true })
  const app = createApp(composed.deps)
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
  })
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    base,
    sql,
    boss,
    deps: composed.deps,
    login: (username) => login(base, username),
    stop: async () => {
      server.close()
      await composed.stop()
      await boss.stop({ graceful: false, close: true })
      await sql.end({ timeout: 2 })
    },
  }
}

export async function login(base: string, username: string, password = 'demo1234'): Promise<string> {
  const r = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${await r.text()}`)
  return ((await r.json()) as { token: string }).token
}

export async function postJson(base: string, path: string, token: string, body: unknown) {
  const r = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  })
  const json: any = await r.json()
  return { status: r.status, json }
}

/** Start `n` cases over HTTP at a township (FMC `fmcAgoMs` ago), `concurrency` at a time. */
export async function createCasesOverHttp(
  base: string,
  token: string,
  facilityId: string,
  n: number,
  opts: { concurrency?: number; fmcAgoMs?: number } = {},
): Promise<string[]> {
  const ids: string[] = []
  let next = 0
  const lane = async () => {
    while (next < n) {
      next++
      const id = crypto.randomUUID()
      const r = await postJson(base, '/api/cases', token, {
        id,
        facilityId,
        patient: { sex: 'male', age: 60, weightKg: 70 },
        firstMedicalContactAt: new Date(Date.now() - (opts.fmcAgoMs ?? 60_000)).toISOString(),
        arrivalMode: 'walk_in',
      })
      if (r.status !== 201) throw new Error(`create case: ${r.status} ${JSON.stringify(r.json)}`)
      ids.push(id)
    }
  }
  await Promise.all(Array.from({ length: opts.concurrency ?? 8 }, lane))
  return ids
}
