/**
 * Event → push latency: from the `ecg_transmitted` request returning to the consult's push
 * request leaving the server (reaching the intercepted push service), over N consults.
 *
 *   npx tsx bench/event-to-push.ts [consults=200]
 *
 * Uses DATABASE_URL when set, else a throw-away embedded PostgreSQL; real pg-boss, the real app
 * (in-process `app.request`), real web-push encryption; msw stands in for the push service.
 * Prints one JSON line (milliseconds). A negative sample means the push left before the HTTP
 * response had finished building.
 */
import crypto, { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { createApp } from '../api/app.ts'
import { maybeSeedDemo, startCore } from '../api/boot.ts'
import { networkCount, seedDemo } from '../fixtures/seed-demo.ts'
import { compose } from '../api/compose.ts'
import { loadConfig } from '../api/config.ts'
import { setLogLevel } from '../workflows/runtime/platform/log.ts'
import { demoId } from '../fixtures/demo-network.ts'

const N = Number(process.argv[2] ?? 200)
const HOST = 'push.example.test'

async function main() {
  setLogLevel('silent')
  const dir = process.env.DATABASE_URL ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'xinlian-bench-'))
  if (dir) fs.chmodSync(dir, 0o755)
  const config = loadConfig({
    ...process.env,
    ...(dir ? { XINLIAN_DATA_DIR: dir } : {}),
    XINLIAN_DEMO: '1',
    PUSH_ALLOWED_HOSTS: HOST,
    LOG_LEVEL: 'silent',
  })
  const core = await startCore(config, { supervise: false })
  await maybeSeedDemo(core.sql, config, { networkCount, seedDemo })
  const composed = await compose(config, core.sql, core.boss)
  const app = createApp(composed.deps)

  const arrivals = new Map<string, number>()
  const waiters = new Map<string, () => void>()
  const server = setupServer(
    http.post(`https://${HOST}/ok/:id`, ({ request }) => {
      const topic = request.headers.get('topic') ?? ''
      if (!arrivals.has(topic)) arrivals.set(topic, performance.now())
      waiters.get(topic)?.()
      return new HttpResponse(null, { status: 201 })
    }),
  )
  server.listen({ onUnhandledRequest: 'bypass' })

  const call = async (method: string, url: string, token: string | undefined, body: unknown) =>
    app.request(url, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    })
  const login = async (username: string) =>
    (
      (await (
        await call('POST', '/api/auth/login', undefined, { username, password: 'demo1234' })
      ).json()) as {
        token: string
      }
    ).token
  const township = await login('lantian')
  const chen = await login('dr.chen')
  const ecdh = crypto.createECDH('prime256v1')
  ecdh.generateKeys()
  await call('POST', '/api/push/subscriptions', chen, {
    endpoint: `https://${HOST}/ok/${randomUUID()}`,
    keys: { p256dh: ecdh.getPublicKey('base64url'), auth: crypto.randomBytes(16).toString('base64url') },
  })

  const samples: number[] = []
  for (let i = 0; i < N; i++) {
    const created = await call('POST', '/api/cases', township, {
      facilityId: demoId('facility:lantian'),
      patient: { sex: i % 2 ? 'male' : 'female', age: 50 + (i % 30) },
      firstMedicalContactAt: new Date(Date.now() - 5 * 60_000).toISOString(),
    })
    const caseId = ((await created.json()) as { id: string }).id
    const topic = caseId.replaceAll('-', '')
    const pushed = new Promise<void>((resolve) => waiters.set(topic, resolve))
    const r = await call('POST', `/api/cases/${caseId}/events`, township, {
      id: randomUUID(),
      type: 'ecg_transmitted',
      at: new Date().toISOString(),
      via: 'upload',
    })
    const returned = performance.now()
    if (r.status !== 201) throw new Error(`ecg_transmitted ${r.status}`)
    await Promise.race([
      pushed,
      new Promise((_, no) => setTimeout(() => no(new Error('no push in 10 s')), 10_000)),
    ])
    waiters.delete(topic)
    samples.push(arrivals.get(topic)! - returned)
  }

  const sorted = [...samples].sort((a, b) => a - b)
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!
  const round = (x: number) => Math.round(x * 10) / 10
  process.stdout.write(
    JSON.stringify({
      bench: 'event-to-push',
      consults: N,
      medianMs: round(q(0.5)),
      p90Ms: round(q(0.9)),
      p99Ms: round(q(0.99)),
      maxMs: round(sorted.at(-1)!),
      minMs: round(sorted[0]!),
    }) + '\n',
  )
  server.close()
  await composed.stop()
  await core.stop()
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
}

main().catch((e: unknown) => {
  process.stderr.write(String(e instanceof Error ? (e.stack ?? e.message) : e) + '\n')
  process.exit(1)
})
