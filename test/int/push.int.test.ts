import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { MAX_PAYLOAD_BYTES } from '../../workflows/views/push/payload.ts'
import { testEnv, type TestEnv } from '../harness.ts'
import {
  decrypt,
  fakeDevice,
  iso,
  JPEG,
  postEvent,
  PUSH_ENV,
  pushService,
  startCase,
  subscribe,
  upload,
  waitFor,
} from '../push-support.ts'

let t: TestEnv
let push: ReturnType<typeof pushService>

beforeAll(async () => {
  push = pushService()
  t = await testEnv({ env: PUSH_ENV, compose: { pushRetry: { retryLimit: 2, retryDelay: 1 } } })
})
afterAll(async () => {
  await t?.close()
  push?.close()
})
beforeEach(async () => {
  await t.sql`delete from push_subscriptions`
})

const eventsOf = async (caseId: string) =>
  t.sql<{ type: string; data: Record<string, unknown> }[]>`
    select type, data from case_events where case_id = ${caseId} order by seq`

async function cookieOf(username: string): Promise<string> {
  const r = await t.call('POST', '/api/auth/login', { body: { username, password: 'demo1234' } })
  const set = r.headers.get('set-cookie') ?? ''
  expect(set).toMatch(/SameSite=Strict/i)
  return set.split(';')[0]!
}

describe('VAPID and subscriptions', () => {
  it('the public key is generated once, kept in the database, and stable', async () => {
    const a = (await (await t.call('GET', '/api/push/public-key')).json()) as { publicKey: string }
    const b = (await (await t.call('GET', '/api/push/public-key')).json()) as { publicKey: string }
    expect(a.publicKey).toMatch(/^[A-Za-z0-9_-]{87}$/)
    expect(b.publicKey).toBe(a.publicKey)
    const [row] = await t.sql<
      { value: { publicKey: string } }[]
    >`select value from app_settings where key = 'vapid'`
    expect(row!.value.publicKey).toBe(a.publicKey)
  })

  it('refuses endpoints outside PUSH_ALLOWED_HOSTS or not https (SSRF), and malformed keys', async () => {
    const token = await t.login('dr.chen')
    const d = fakeDevice()
    for (const endpoint of [
      'http://push.example.test/ok/1',
      'https://169.254.169.254/latest/meta-data',
      'https://evil.example/push.example.test',
      'not a url',
    ]) {
      const r = await t.call('POST', '/api/push/subscriptions', {
        token,
        body: { ...d.subscription, endpoint },
      })
      expect(r.status).toBe(422)
      expect(((await r.json()) as { error: { field: string } }).error.field).toBe('endpoint')
    }
    const bad = await t.call('POST', '/api/push/subscriptions', {
      token,
      body: { ...d.subscription, keys: { ...d.subscription.keys, p256dh: 'abc' } },
    })
    expect(bad.status).toBe(422)
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('keys.p256dh')
    const n = (await t.sql<{ n: number }[]>`select count(*)::int as n from push_subscriptions`)[0]!.n
    expect(n).toBe(0)
    expect((await t.call('POST', '/api/push/subscriptions', { body: d.subscription })).status).toBe(401)
  })

  it('upserts by endpoint for its owner only: another user cannot take the device over, and deletes only your own', async () => {
    const d = fakeDevice()
    const first = await t.call('POST', '/api/push/subscriptions', {
      token: await t.login('dr.chen'),
      body: { ...d.subscription, device: 'Chen phone' },
    })
    expect(first.status).toBe(201)
    const refreshed = await t.call('POST', '/api/push/subscriptions', {
      token: await t.login('dr.chen'),
      body: d.subscription,
    })
    expect(refreshed.status).toBe(200)
    // A colleague of the same network, and a user of another network, re-posting the endpoint.
    for (const other of ['dr.lin', 'dr.yong']) {
      const again = await t.call('POST', '/api/push/subscriptions', {
        token: await t.login(other),
        body: d.subscription,
      })
      expect(again.status).toBe(409)
      expect(((await again.json()) as { error: { code: string } }).error.code).toBe('push_endpoint_taken')
    }
    const rows = await t.sql<{ userId: string; device: string }[]>`
      select user_id as "userId", device from push_subscriptions`
    expect(rows).toEqual([{ userId: demoId('user:dr.chen'), device: 'Chen phone' }])
    const notMine = await t.call('DELETE', '/api/push/subscriptions', {
      token: await t.login('dr.lin'),
      body: { endpoint: d.subscription.endpoint },
    })
    expect(notMine.status).toBe(404)
    const mine = await t.call('DELETE', '/api/push/subscriptions', {
      token: await t.login('dr.chen'),
      body: { endpoint: d.subscription.endpoint },
    })
    expect(mine.status).toBe(204)
    expect(await t.sql`select 1 from push_subscriptions`).toHaveLength(0)
  })
})

describe('consult by push, end to end', () => {
  it('ECG upload + ecg_transmitted → dr.chen’s phone gets the consult (decrypted) → Approve with the cookie session → decision on the case', async () => {
    const chen = fakeDevice()
    const township = fakeDevice()
    await subscribe(t, 'dr.chen', chen)
    await subscribe(t, 'lantian', township)
    const caseId = await startCase(t, 12 * 60_000)
    const up = await upload(t, 'lantian', caseId, JPEG())
    expect(up.status).toBe(201)
    const { id: attachmentId } = (await up.json()) as { id: string }
    const tx = await postEvent(t, 'lantian', caseId, { type: 'ecg_transmitted', attachmentId, via: 'upload' })
    expect(tx.status).toBe(201)

    const [got] = await waitFor('consult push', () => push.to(chen).length > 0 && push.to(chen))
    expect(got!.headers.authorization).toMatch(/^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]{87}$/)
    expect(got!.headers).toMatchObject({
      'content-encoding': 'aes128gcm',
      ttl: '600',
      urgency: 'high',
      topic: caseId.replaceAll('-', ''),
    })
    const payload = decrypt(chen, got!.body)
    expect(Buffer.byteLength(JSON.stringify(payload))).toBeLessThan(MAX_PAYLOAD_BYTES)
    expect(got!.body.length).toBeLessThan(3 * 1024)
    expect(payload).toMatchObject({
      kind: 'consult',
      caseId,
      url: `/consults/${caseId}`,
      actions: [
        { action: 'approve', title: '批准溶栓' },
        { action: 'decline', title: '不同意溶栓' },
      ],
    })
    expect(payload.title).toBe('急会诊 STEMI? 男 58 岁')
    expect(payload.body).toMatch(/^蓝田乡卫生院 · D2N 已 1[23] 分钟$/)
    expect(Date.parse(payload.clockStart!)).toBeGreaterThan(Date.now() - 13 * 60_000)
    // The patient's name never leaves the server in a push.
    expect(JSON.stringify(payload)).not.toContain('张某某')

    // The service worker acts with the device's own cookie session (same origin, SameSite=Strict).
    const cookie = await cookieOf('dr.chen')
    const ack = await postEvent(t, 'dr.chen', caseId, { type: 'consult_acknowledged' }, { cookie })
    expect(ack.status).toBe(201)
    const decision = { id: randomUUID(), at: iso(), type: 'lysis_decision', decision: 'approved' }
    const approve = await t.call('POST', `/api/cases/${caseId}/events`, {
      body: decision,
      headers: { cookie },
    })
    expect(approve.status).toBe(201)
    const replay = await t.call('POST', `/api/cases/${caseId}/events`, {
      body: decision,
      headers: { cookie },
    })
    expect(replay.status).toBe(200) // a second tap on the notification: idempotent

    const view = (await (
      await t.call('GET', `/api/cases/${caseId}`, { token: await t.login('lantian') })
    ).json()) as {
      decision: { decision: string; byName: string }
      consult: { acknowledgedByName: string }
    }
    expect(view.decision).toMatchObject({ decision: 'approved', byName: '陈主任 Dr Chen' })
    expect(view.consult.acknowledgedByName).toBe('陈主任 Dr Chen')

    // The physician's read receipt and decision arrive by push too (case page, no actions).
    const receipts = await waitFor(
      'physician pushes',
      () => push.to(township).length >= 2 && push.to(township),
    )
    const shown = receipts.map((r) => decrypt(township, r.body))
    expect(shown.map((p) => p.title).sort()).toEqual(['心电图已被查看', '溶栓已批准'].sort())
    expect(shown.every((p) => p.url === `/cases/${caseId}` && !p.actions)).toBe(true)

    // Every attempt is logged for QA of the network only.
    const attempts = await t.call('GET', `/api/push/attempts?caseId=${caseId}`, {
      token: await t.login('qa'),
    })
    expect(attempts.status).toBe(200)
    const list = (
      (await attempts.json()) as { attempts: { userId: string; outcome: string; statusCode: number }[] }
    ).attempts
    expect(list).toContainEqual(
      expect.objectContaining({ userId: demoId('user:dr.chen'), outcome: 'sent', statusCode: 201 }),
    )
    expect(JSON.stringify(list)).not.toContain('/ok/')
    expect(
      (await t.call('GET', `/api/push/attempts?caseId=${caseId}`, { token: await t.login('qa2') })).status,
    ).toBe(404)
    expect(
      (await t.call('GET', `/api/push/attempts?caseId=${caseId}`, { token: await t.login('lantian') }))
        .status,
    ).toBe(403)
  })

  it('only a cardiologist of the case’s network decides: the township physician 403, another county 404', async () => {
    const caseId = await startCase(t)
    await postEvent(t, 'lantian', caseId, { type: 'ecg_transmitted', via: 'upload' })
    const own = await postEvent(t, 'lantian', caseId, { type: 'lysis_decision', decision: 'approved' })
    expect(own.status).toBe(403)
    expect(((await own.json()) as { error: { code: string } }).error.code).toBe('not_cardiologist')
    const other = await postEvent(t, 'dr.yong', caseId, { type: 'lysis_decision', decision: 'approved' })
    expect(other.status).toBe(404)
    const ack = await t.sql`select 1 from case_events where case_id = ${caseId} and type = 'lysis_decision'`
    expect(ack).toHaveLength(0)
    // No cardiologist has a device in this test: let the immediate escalations settle before the next.
    await waitFor(
      'escalations settle',
      async () => (await eventsOf(caseId)).filter((e) => e.type === 'escalated').length === 2,
    )
  })
})

describe('push failures', () => {
  it('410 removes the subscription; a deleted subscription gets nothing', async () => {
    const gone = fakeDevice('gone')
    const ok = fakeDevice('ok')
    await subscribe(t, 'dr.chen', gone, 'old phone')
    await subscribe(t, 'dr.chen', ok, 'new phone')
    const first = await startCase(t)
    await postEvent(t, 'lantian', first, { type: 'ecg_transmitted', via: 'upload' })
    await waitFor('410 handled', async () => {
      const rows =
        await t.sql`select 1 from push_subscriptions where endpoint = ${gone.subscription.endpoint}`
      return rows.length === 0 && push.to(ok).length === 1
    })
    expect(push.to(gone)).toHaveLength(1) // not retried
    const events = await eventsOf(first)
    expect(events.some((e) => e.type === 'escalated')).toBe(false) // the other phone got it

    const del = await t.call('DELETE', '/api/push/subscriptions', {
      token: await t.login('dr.chen'),
      body: { endpoint: ok.subscription.endpoint },
    })
    expect(del.status).toBe(204)
    const second = await startCase(t)
    await postEvent(t, 'lantian', second, { type: 'ecg_transmitted', via: 'upload' })
    // No device left for the first-line: escalated at once, and the deleted phone gets nothing.
    const esc = await waitFor('escalation', async () =>
      (await eventsOf(second)).find((e) => e.type === 'escalated'),
    )
    expect(esc.data).toMatchObject({
      rule: 'remote_read',
      timerKey: 'remote_read:escalate:1',
      reason: 'no_subscription',
    })
    expect(push.to(ok)).toHaveLength(1)
    expect(push.to(gone)).toHaveLength(1)
  })

  it('500 on every device of the first-line: retried, then escalated to the second-line at once', async () => {
    const chen = fakeDevice('fail')
    const lin = fakeDevice('ok')
    const wang = fakeDevice('ok')
    await subscribe(t, 'dr.chen', chen)
    await subscribe(t, 'dr.lin', lin)
    await subscribe(t, 'dr.wang', wang)
    const caseId = await startCase(t)
    await postEvent(t, 'lantian', caseId, { type: 'ecg_transmitted', via: 'upload' })
    const esc = await waitFor('escalation', async () =>
      (await eventsOf(caseId)).find((e) => e.type === 'escalated'),
    )
    expect(esc.data).toMatchObject({
      rule: 'remote_read',
      timerKey: 'remote_read:escalate:1',
      reason: 'push_failed',
      early: true,
    })
    const forCase = (d: typeof chen) =>
      push.to(d).filter((p) => p.headers.topic === caseId.replaceAll('-', ''))
    expect(forCase(chen)).toHaveLength(3) // first try + 2 retries
    const [toLin] = await waitFor('second-line push', () => forCase(lin).length > 0 && forCase(lin))
    const p = decrypt(lin, toLin!.body)
    expect(p).toMatchObject({ kind: 'consult', caseId, url: `/consults/${caseId}` })
    expect(p.title).toContain('升级')
    expect(p.actions).toHaveLength(2)
    expect(forCase(wang)).toHaveLength(0) // all cardiologists only at 6 minutes
    // The 3-minute job is cancelled; firing it now would be a no-op anyway.
    expect(
      await t.sql`select 1 from case_timers where case_id = ${caseId} and key = 'remote_read:escalate:1'`,
    ).toHaveLength(0)
    const attempts = await t.sql<{ outcome: string; statusCode: number }[]>`
      select outcome, status_code as "statusCode" from push_attempts
       where case_id = ${caseId} and user_id = ${demoId('user:dr.chen')} order by id`
    expect(attempts).toEqual([
      { outcome: 'retry', statusCode: 500 },
      { outcome: 'retry', statusCode: 500 },
      { outcome: 'failed', statusCode: 500 },
    ])
  })
})

describe('consult inbox', () => {
  it('lists open consults for cardiologists; opening one (consult_acknowledged) stops the escalation', async () => {
    const caseId = await startCase(t)
    const up = (await (await upload(t, 'lantian', caseId, JPEG())).json()) as { id: string }
    await postEvent(t, 'lantian', caseId, { type: 'ecg_transmitted', attachmentId: up.id, via: 'upload' })
    const inbox = async (u: string, status = 'open') =>
      (await (await t.call('GET', `/api/consults?status=${status}`, { token: await t.login(u) })).json()) as {
        consults: Record<string, unknown>[]
      }
    const mine = (await inbox('dr.wang')).consults.find((c) => c.caseId === caseId)
    expect(mine).toMatchObject({
      open: true,
      patient: { sex: 'male', age: 58 },
      facilityName: '蓝田乡卫生院',
      attachmentId: up.id,
      acknowledgedAt: null,
      decision: null,
      relativeContraindications: null,
    })
    expect(mine!.waitingSeconds).toEqual(expect.any(Number))
    expect(JSON.stringify(mine)).not.toContain('张某某')
    expect((await t.call('GET', '/api/consults', { token: await t.login('lantian') })).status).toBe(403)
    expect((await inbox('dr.yong', 'all')).consults.some((c) => c.caseId === caseId)).toBe(false)

    const timers = () =>
      t.sql<
        { key: string }[]
      >`select key from case_timers where case_id = ${caseId} and key like 'remote_read:escalate:%'`
    expect((await timers()).length).toBe(2)
    expect((await postEvent(t, 'dr.wang', caseId, { type: 'consult_acknowledged' })).status).toBe(201)
    expect(await timers()).toHaveLength(0)
    const after = (await inbox('dr.chen')).consults.find((c) => c.caseId === caseId)
    expect(after).toMatchObject({ acknowledgedByName: '王医生 Dr Wang' })
  })
})
