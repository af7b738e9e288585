/**
 * The alert channels' acceptance (docs/alert-channels.md) against STRICT vendor fakes
 * (test/fakes/: WeCom's token flow, message body, card buttons, response codes and callback
 * crypto; Aliyun's request signature, nonce and required parameters). Unhandled outbound
 * requests fail the test. test/int/channels.int.test.ts covers the ladder's details with
 * recording fakes; this file is the end-to-end promise:
 *   a township physician transmits an ECG → the first-line's WeCom gets the button card →
 *   批准溶栓 (a signed, encrypted callback as WeCom sends it) records the decision → every card
 *   of the case is updated, the second-line's too → and, on a case nobody acknowledges, the voice
 *   call and the second-line follow at the ladder's times (transmissions back-dated, no sleeping).
 */
import { setupServer } from 'msw/node'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { testEnv, type TestEnv } from '../harness.ts'
import { iso, postEvent, startCase, waitFor } from '../push-support.ts'
import { CHANNEL_ENV, SMS, VMS, WECOM, WECOM_SETTINGS } from '../channel-support.ts'
import { cardPressCallback, wecomFake, type WecomCorp, type WecomFake } from '../fakes/wecom.ts'
import { aliyunFake, fakeAliyunKey } from '../fakes/aliyun.ts'

const SEC = 1000
const MIN = 60_000
const corp: WecomCorp = { ...WECOM_SETTINGS }
const aliyunKey = fakeAliyunKey()
let t: TestEnv
let wecom: WecomFake
let aliyun: ReturnType<typeof aliyunFake>
let server: ReturnType<typeof setupServer>
let networkId: string

beforeAll(async () => {
  wecom = wecomFake(corp, WECOM)
  aliyun = aliyunFake(aliyunKey, { sms: SMS, vms: VMS })
  server = setupServer(...wecom.handlers, ...aliyun.handlers)
  server.listen({ onUnhandledRequest: 'error' })
  t = await testEnv({ env: { ...CHANNEL_ENV } })
  const admin = await t.login('admin')
  const put = async (path: string, body: unknown) => {
    const r = await t.call('PUT', path, { token: admin, body })
    expect(r.status, `${path} ${await r.clone().text()}`).toBe(200)
  }
  await put('/api/admin/channels/wecom', WECOM_SETTINGS)
  await put('/api/admin/channels/voice', {
    provider: 'aliyun',
    ...aliyunKey,
    templateCode: 'TTS_001',
    calledShowNumber: '05958888888',
  })
  await put('/api/admin/channels/sms', {
    provider: 'aliyun',
    ...aliyunKey,
    signName: '心联',
    templateCode: 'SMS_001',
  })
  for (const [username, mobile, wecomUserId] of [
    ['dr.chen', '13800000001', 'chen'],
    ['dr.lin', '13800000002', 'lin'],
    ['dr.wang', '13800000003', 'wang'],
  ] as const) {
    const r = await t.call('PATCH', `/api/admin/users/${demoId(`user:${username}`)}`, {
      token: admin,
      body: { mobile, mobileVerified: true, wecomUserId },
    })
    expect(r.status).toBe(200)
  }
  networkId = (
    await t.sql<{ id: string }[]>`select network_id as id from users where username = 'dr.chen'`
  )[0]!.id
})
afterAll(async () => {
  await t?.close()
  server?.close()
})
// Fresh per-number caps for each test: earlier attempts move a day back.
beforeEach(async () => {
  await t.sql`update channel_attempts set created_at = created_at - interval '25 hours'`
})

async function transmit(agoMs: number): Promise<string> {
  const caseId = await startCase(t, 15 * MIN)
  const r = await postEvent(t, 'lantian', caseId, { type: 'ecg_transmitted', via: 'upload', at: iso(agoMs) })
  expect(r.status).toBe(201)
  return caseId
}

interface Card {
  touser: string
  msgtype: string
  template_card: {
    task_id: string
    card_action: { url: string }
    button_list: { key: string; text: string }[]
  }
}
const cardsOf = async (caseId: string) => {
  const alerts = await t.sql<{ id: string }[]>`select id from alerts where case_id = ${caseId}`
  return wecom
    .calls('/cgi-bin/message/send')
    .map((s) => s.body as Card)
    .filter(
      (b) => b.msgtype === 'template_card' && alerts.some((a) => b.template_card.task_id.includes(a.id)),
    )
}
const callsTo = (mobile: string) =>
  aliyun.seen.filter((s) => s.action === 'SingleCallByTts' && s.params.CalledNumber === mobile)

describe('acceptance: ECG → WeCom card → 批准溶栓 → every card updated', () => {
  it('the second-line already has the card (3.5 min unanswered); chen approves from his; both cards say so', async () => {
    const caseId = await transmit(3.5 * MIN)
    // First-line card at once; the voice call (60 s) and the second-line (3 min) are overdue, so they run now.
    const cards = await waitFor('both cards', async () => {
      const cs = await cardsOf(caseId)
      return cs.some((c) => c.touser === 'chen') && cs.some((c) => c.touser === 'lin') && cs
    })
    const chenCard = cards.find((c) => c.touser === 'chen')!
    expect(chenCard.template_card.button_list.map((b) => [b.key, b.text])).toEqual([
      ['ack', '接诊'],
      ['approve', '批准溶栓'],
    ])
    // 查看 starts WeCom's web authorization for this network and case (api/routes/wecom-oauth.ts).
    expect(chenCard.template_card.card_action.url).toBe(
      `${t.config.publicUrl}/api/auth/wecom/${networkId}/start?case=${caseId}`,
    )
    expect(JSON.stringify(cards)).not.toContain('张某某')
    await waitFor('voice to chen', () => callsTo('13800000001').length > 0)

    const press = cardPressCallback(wecom, corp, {
      fromUser: 'chen',
      taskId: chenCard.template_card.task_id,
      eventKey: 'approve',
    })
    const updatesBefore = wecom.calls('/cgi-bin/message/update_template_card').length
    const r = await t.app.request(
      `/api/channels/wecom/${networkId}/callback?${new URLSearchParams(press.query).toString()}`,
      { method: 'POST', headers: { 'content-type': 'text/xml' }, body: press.body },
    )
    expect(r.status).toBe(200)
    expect(await r.text()).toBe('success')

    const view = (await (
      await t.call('GET', `/api/cases/${caseId}`, { token: await t.login('lantian') })
    ).json()) as {
      events: { type: string; by: string; data: { decision?: string } }[]
    }
    expect(view.events.filter((e) => e.type === 'lysis_decision')).toMatchObject([
      { by: demoId('user:dr.chen'), data: { decision: 'approved' } },
    ])
    // The fake accepted each update only with a response_code it had handed out, once.
    const updates = wecom
      .calls('/cgi-bin/message/update_template_card')
      .slice(updatesBefore)
      .map((s) => s.body as { userids: string[]; response_code: string; button: { replace_name: string } })
    expect(
      updates
        .map((u) => u.userids)
        .flat()
        .sort(),
    ).toEqual(['chen', 'lin'])
    expect(updates.find((u) => u.userids.includes('chen'))!.response_code).toBe(press.responseCode)
    for (const u of updates) expect(u.button.replace_name).toContain('批准溶栓')
    expect(new Set(updates.map((u) => u.response_code)).size).toBe(updates.length)
    // The vendor answered every update with errcode 0 (no refused code logged as an attempt).
    expect(wecom.seen.filter((s) => s.path.endsWith('update_template_card')).length).toBe(
      updatesBefore + updates.length,
    )

    // The same callback again (WeCom retries): nothing new, no second update.
    const again = await t.app.request(
      `/api/channels/wecom/${networkId}/callback?${new URLSearchParams(press.query).toString()}`,
      { method: 'POST', headers: { 'content-type': 'text/xml' }, body: press.body },
    )
    expect(again.status).toBe(200)
    expect(wecom.calls('/cgi-bin/message/update_template_card').length).toBe(updatesBefore + updates.length)
  })
})

describe('acceptance: nobody acknowledges → the voice call and the second-line at the ladder times', () => {
  it('30 s after the transmission: the card only; 90 s: the voice call to the first-line; 3.5 min: the second-line on every channel', async () => {
    const early = await transmit(30 * SEC)
    await waitFor('card', async () => (await cardsOf(early)).some((c) => c.touser === 'chen'))
    const job = await t.sql<{ startAfter: Date; step: number }[]>`
      select start_after as "startAfter", (data->>'step')::int as step from pgboss.job
       where name = 'ladder-step' and data->>'alertId' in (select id::text from alerts where case_id = ${early})`
    const [tx] = await t.sql<{ at: Date }[]>`
      select at from case_events where case_id = ${early} and type = 'ecg_transmitted'`
    // The voice step is due exactly 60 s after the transmission (not now).
    expect(job.map((j) => [j.step, j.startAfter.getTime() - tx!.at.getTime()])).toEqual([[1, 60 * SEC]])

    const before = callsTo('13800000001').length
    const late = await transmit(90 * SEC)
    await waitFor('voice call', () => callsTo('13800000001').length > before)
    const call = callsTo('13800000001').at(-1)!
    expect(call.params).toMatchObject({ TtsCode: 'TTS_001', CalledShowNumber: '05958888888' })
    expect((await cardsOf(late)).map((c) => c.touser)).toEqual(['chen'])

    const linCalls = callsTo('13800000002').length
    const escalated = await transmit(3.5 * MIN)
    await waitFor('second-line card', async () => (await cardsOf(escalated)).some((c) => c.touser === 'lin'))
    await waitFor('second-line call', () => callsTo('13800000002').length > linCalls)
    await waitFor('second-line SMS', () =>
      aliyun.seen.some((s) => s.action === 'SendSms' && s.params.PhoneNumbers === '13800000002'),
    )
    const [esc] = await t.sql<{ key: string }[]>`
      select data->>'timerKey' as key from case_events where case_id = ${escalated} and type = 'escalated'`
    expect(esc!.key).toBe('remote_read:escalate:1')
    // Nobody beyond the second-line yet (the 6-minute step).
    expect((await cardsOf(escalated)).some((c) => c.touser === 'wang')).toBe(false)
  })
})
