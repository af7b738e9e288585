/**
 * Test support for Web Push: fake browser subscriptions (real P-256 keys, so the payload can be
 * decrypted as a browser would), an msw push service (the only thing intercepted), and helpers
 * to drive a consult through the real API.
 */
import crypto, { randomUUID } from 'node:crypto'
import ece from 'http_ece'
import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { demoId } from '../fixtures/demo-network.ts'
import type { PushPayload } from '../workflows/views/push/payload.ts'
import type { TestEnv } from './harness.ts'

export const PUSH_HOST = 'push.example.test'
export const PUSH_ENV = { PUSH_ALLOWED_HOSTS: `${PUSH_HOST},127.0.0.1:*` }

export interface FakeDevice {
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } }
  ecdh: crypto.ECDH
  auth: Buffer
}

/** A browser-side subscription. `mode` picks the push service's answer: ok 201, gone 410, fail 500. */
export function fakeDevice(mode: 'ok' | 'gone' | 'fail' = 'ok'): FakeDevice {
  const ecdh = crypto.createECDH('prime256v1')
  ecdh.generateKeys()
  const auth = crypto.randomBytes(16)
  return {
    ecdh,
    auth,
    subscription: {
      endpoint: `https://${PUSH_HOST}/${mode}/${randomUUID()}`,
      keys: { p256dh: ecdh.getPublicKey('base64url'), auth: auth.toString('base64url') },
    },
  }
}

export interface SeenPush {
  endpoint: string
  headers: Record<string, string>
  body: Buffer
  at: number
}

/** The push service: records every request; answers by the endpoint's first path segment. */
export function pushService() {
  const seen: SeenPush[] = []
  const record = async (request: Request) => {
    seen.push({
      endpoint: request.url,
      headers: Object.fromEntries(request.headers),
      body: Buffer.from(await request.arrayBuffer()),
      at: performance.now(),
    })
  }
  const server = setupServer(
    http.post(`https://${PUSH_HOST}/ok/:id`, async ({ request }) => {
      await record(request)
      return new HttpResponse(null, { status: 201 })
    }),
    http.post(`https://${PUSH_HOST}/gone/:id`, async ({ request }) => {
      await record(request)
      return new HttpResponse('push subscription has unsubscribed or expired.', { status: 410 })
    }),
    http.post(`https://${PUSH_HOST}/fail/:id`, async ({ request }) => {
      await record(request)
      return new HttpResponse('internal error', { status: 500 })
    }),
  )
  server.listen({ onUnhandledRequest: 'bypass' })
  return {
    seen,
    to: (d: FakeDevice) => seen.filter((s) => s.endpoint === d.subscription.endpoint),
    close: () => server.close(),
  }
}

/** Decrypt an aes128gcm push body with the device's private key, as the browser does. */
export function decrypt(d: FakeDevice, body: Buffer): PushPayload {
  const plain = ece.decrypt(body, {
    version: 'aes128gcm',
    privateKey: d.ecdh,
    authSecret: d.auth.toString('base64url'),
  })
  return JSON.parse(plain.toString('utf8')) as PushPayload
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 20_000,
): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

export async function subscribe(t: TestEnv, username: string, d: FakeDevice, device = 'test phone') {
  const r = await t.call('POST', '/api/push/subscriptions', {
    token: await t.login(username),
    body: { ...d.subscription, device },
  })
  if (r.status !== 201 && r.status !== 200) throw new Error(`subscribe ${r.status} ${await r.text()}`)
  return ((await r.json()) as { id: string }).id
}

export const LANTIAN = demoId('facility:lantian')
export const iso = (msAgo = 0) => new Date(Date.now() - msAgo).toISOString()

/** A case started at the Lantian township health center (walk-in) `fmcMsAgo` ago. */
export async function startCase(t: TestEnv, fmcMsAgo = 12 * 60_000, username = 'lantian'): Promise<string> {
  const r = await t.call('POST', '/api/cases', {
    token: await t.login(username),
    body: {
      facilityId: username === 'township2' ? demoId('facility:net2-town') : LANTIAN,
      patient: { sex: 'male', age: 58, name: '张某某' },
      firstMedicalContactAt: iso(fmcMsAgo),
      arrivalMode: 'walk_in',
    },
  })
  if (r.status !== 201) throw new Error(`start case ${r.status} ${await r.text()}`)
  return ((await r.json()) as { id: string }).id
}

export async function postEvent(
  t: TestEnv,
  username: string,
  caseId: string,
  event: Record<string, unknown>,
  headers?: Record<string, string>,
) {
  return t.call('POST', `/api/cases/${caseId}/events`, {
    token: headers ? undefined : await t.login(username),
    headers,
    body: { id: randomUUID(), at: iso(), ...event },
  })
}

export const JPEG = () =>
  Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
    Buffer.from('JFIF ECG'),
    crypto.randomBytes(2048),
  ])

export async function upload(
  t: TestEnv,
  username: string,
  caseId: string,
  bytes: Buffer,
  declared = 'image/jpeg',
  name = 'ecg.jpg',
) {
  const form = new FormData()
  form.set('file', new Blob([new Uint8Array(bytes)], { type: declared }), name)
  return t.app.request(`/api/cases/${caseId}/attachments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await t.login(username)}` },
    body: form,
  })
}
