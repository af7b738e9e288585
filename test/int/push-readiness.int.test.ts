import { render } from '../../workflows/core/messages/index.ts'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { DEMO_NETWORK_ID } from '../../fixtures/seed-demo.ts'
import { readinessTick } from '../../workflows/runtime/push/readiness.ts'
import { testEnv, type TestEnv } from '../harness.ts'
import {
  decrypt,
  fakeDevice,
  postEvent,
  PUSH_ENV,
  pushService,
  startCase,
  subscribe,
  waitFor,
} from '../push-support.ts'

let t: TestEnv
let push: ReturnType<typeof pushService>

beforeAll(async () => {
  push = pushService()
  t = await testEnv({ env: PUSH_ENV })
})
afterAll(async () => {
  await t?.close()
  push?.close()
})
beforeEach(async () => {
  await t.sql`delete from push_subscriptions`
})

/** A new rota slot starting a minute ago; created last, so it takes over the line (a swap). */
async function slot(username: string, line: 'first' | 'second') {
  const [row] = await t.sql<{ id: string }[]>`
    insert into rota_slots (network_id, line, user_id, starts_at, ends_at)
    values (${DEMO_NETWORK_ID}, ${line}, ${demoId(`user:${username}`)}, now() - interval '1 minute', now() + interval '8 hours')
    returning id`
  return row!.id
}

const checkOf = async (slotId: string) =>
  (
    await t.sql<
      {
        id: string
        problem: string | null
        reportedAt: Date | null
        tappedAt: Date | null
        deliveredAt: Date | null
      }[]
    >`
      select id, problem, reported_at as "reportedAt", tapped_at as "tappedAt", delivered_at as "deliveredAt"
        from readiness_checks where slot_id = ${slotId}`
  )[0]

describe('on-call readiness (docs/admin-api.md)', () => {
  it('an on-call cardiologist whose only subscription answers 410 is reported to the admin before the slot’s first consult', async () => {
    const admin = fakeDevice()
    const lin = fakeDevice()
    const wangGone = fakeDevice('gone')
    await subscribe(t, 'admin', admin)
    await subscribe(t, 'dr.lin', lin)
    await subscribe(t, 'dr.wang', wangGone)
    const slotId = await slot('dr.wang', 'first')
    const tick = await readinessTick(t.sql, t.boss)
    expect(tick.started).toBeGreaterThanOrEqual(1)

    const check = await waitFor('readiness report', async () => {
      const c = await checkOf(slotId)
      return c?.problem ? c : undefined
    })
    expect(check.problem).toBe('push_failed')
    expect(
      await t.sql`select 1 from push_subscriptions where endpoint = ${wangGone.subscription.endpoint}`,
    ).toHaveLength(0)
    // The readiness push itself was the real thing (encrypted, asks for a tap).
    expect(decrypt(wangGone, push.to(wangGone)[0]!.body)).toMatchObject({
      kind: 'readiness',
      title: '值班就绪确认',
    })

    // The admin and the second-line hear about it by push.
    for (const d of [admin, lin]) {
      const [p] = await waitFor('report push', () => push.to(d).length > 0 && push.to(d))
      const shown = decrypt(d, p!.body)
      expect(shown).toMatchObject({ kind: 'readiness', title: '值班医生可能收不到急会诊' })
      expect(shown.body).toContain('王医生 Dr Wang')
      expect(shown.body).toContain(render('zh-CN', 'ready.problem.push_failed'))
    }

    // And on the admin's readiness page (the screen's API and the push API agree).
    const adminPage = (await (
      await t.call('GET', '/api/admin/readiness', { token: await t.login('admin') })
    ).json()) as {
      cardiologists: { userId: string; problem: string | null; onCallNow: string | null }[]
    }
    expect(adminPage.cardiologists).toContainEqual(
      expect.objectContaining({ userId: demoId('user:dr.wang'), problem: 'push_failed', onCallNow: 'first' }),
    )
    const page = await t.call('GET', '/api/push/readiness', { token: await t.login('admin') })
    expect(page.status).toBe(200)
    const body = (await page.json()) as {
      onCall: { userId: string; line: string; status: string; problem: string; devices: number }[]
      problems: { userId: string; problem: string }[]
    }
    expect(body.onCall).toContainEqual(
      expect.objectContaining({
        userId: demoId('user:dr.wang'),
        line: 'first',
        status: 'problem',
        problem: 'push_failed',
        devices: 0,
      }),
    )
    expect(body.problems).toContainEqual(
      expect.objectContaining({ userId: demoId('user:dr.wang'), problem: 'push_failed' }),
    )
    expect((await t.call('GET', '/api/push/readiness', { token: await t.login('dr.chen') })).status).toBe(403)
    const other = (await (
      await t.call('GET', '/api/push/readiness', { token: await t.login('admin2') })
    ).json()) as {
      onCall: { userId: string }[]
    }
    expect(other.onCall.some((r) => r.userId === demoId('user:dr.wang'))).toBe(false)

    // The slot's first consult comes after the report; with no device left it escalates at once.
    const caseId = await startCase(t)
    await postEvent(t, 'lantian', caseId, { type: 'ecg_transmitted', via: 'upload' })
    const [created] = await t.sql<{ at: Date }[]>`select created_at as at from cases where id = ${caseId}`
    expect(check.reportedAt!.getTime()).toBeLessThan(created!.at.getTime())
    await waitFor(
      'immediate escalation',
      async () =>
        (await t.sql`select 1 from case_events where case_id = ${caseId} and type = 'escalated'`).length > 0,
    )
    await t.sql`delete from rota_slots where id = ${slotId}`
  })

  it('a tap within 10 minutes marks the cardiologist ready; no tap is reported; no device is reported at once', async () => {
    const chen = fakeDevice()
    const adminDevice = fakeDevice()
    await subscribe(t, 'dr.chen', chen)
    await subscribe(t, 'admin', adminDevice)
    const tapSlot = await slot('dr.chen', 'first')
    await readinessTick(t.sql, t.boss)
    const shown = await waitFor('readiness push', () =>
      push
        .to(chen)
        .map((x) => decrypt(chen, x.body))
        .find((x) => x.kind === 'readiness'),
    )
    expect(shown.readinessId).toBeDefined()
    expect(
      (
        await t.call('POST', `/api/push/readiness/${shown.readinessId}/ack`, {
          token: await t.login('dr.lin'),
        })
      ).status,
    ).toBe(404)
    const tap = await t.call('POST', `/api/push/readiness/${shown.readinessId}/ack`, {
      token: await t.login('dr.chen'),
    })
    expect(tap.status).toBe(200)
    const ready = await waitFor('delivered', async () => {
      const c = await checkOf(tapSlot)
      return c?.deliveredAt && c
    })
    expect(ready.tappedAt).not.toBeNull()

    // Another slot, no tap: ten minutes later (back-dated) the next tick reports it.
    const quiet = await slot('dr.lin', 'second')
    await subscribe(t, 'dr.lin', fakeDevice())
    await readinessTick(t.sql, t.boss)
    await t.sql`update readiness_checks set sent_at = sent_at - interval '11 minutes' where slot_id = ${quiet}`
    const r = await readinessTick(t.sql, t.boss)
    expect(r.reported).toBeGreaterThanOrEqual(1)
    expect((await checkOf(quiet))!.problem).toBe('no_tap')
    // The tapped check is never reported.
    expect((await checkOf(tapSlot))!.problem).toBeNull()

    // No device at all: reported by the tick itself.
    const none = await slot('dr.wang', 'first')
    await readinessTick(t.sql, t.boss)
    expect((await checkOf(none))!.problem).toBe('no_subscription')
    await waitFor('admin told', () =>
      push
        .to(adminDevice)
        .some((x) =>
          decrypt(adminDevice, x.body).body.includes(render('zh-CN', 'ready.problem.no_subscription')),
        ),
    )
  })
})
