import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { fireTimer } from '../../workflows/runtime/apply-event.ts'
import { runLadderStep } from '../../workflows/runtime/channels/dispatch.ts'
import { testEnv, type TestEnv } from '../harness.ts'
import { iso, postEvent, PUSH_ENV, startCase, waitFor } from '../push-support.ts'
import {
  CHANNEL_ENV,
  configureChannels,
  vendorFakes,
  WECOM_SETTINGS,
  wecomCallback,
} from '../channel-support.ts'

let t: TestEnv
let fakes: ReturnType<typeof vendorFakes>
let networkId: string

beforeAll(async () => {
  fakes = vendorFakes()
  t = await testEnv({ env: { ...PUSH_ENV, ...CHANNEL_ENV } })
  await configureChannels(t)
  const [n] = await t.sql<
    { networkId: string }[]
  >`select network_id as "networkId" from users where username = 'dr.chen'`
  networkId = n!.networkId
})
afterAll(async () => {
  await t?.close()
  fakes?.close()
})
// Each test starts with fresh per-number caps: earlier attempts are moved a day back.
beforeEach(async () => {
  await t.sql`update channel_attempts set created_at = created_at - interval '25 hours'`
})

const SEC = 1000
const MIN = 60_000
const user = (u: string) => demoId(`user:${u}`)

interface Attempt {
  userId: string
  channel: string
  step: number
  status: string
  providerId: string | null
  keyPressed: string | null
  acknowledgedAt: string | null
}
const attemptsOf = async (caseId: string): Promise<Attempt[]> => {
  const r = await t.call('GET', `/api/cases/${caseId}/notifications`, { token: await t.login('admin') })
  expect(r.status).toBe(200)
  return (await r.json()) as Attempt[]
}
const summary = (as: Attempt[]) =>
  as
    .map(
      (a) =>
        `${a.step}:${a.channel}:${a.userId === user('dr.chen') ? 'chen' : a.userId === user('dr.lin') ? 'lin' : a.userId === user('dr.wang') ? 'wang' : a.userId}`,
    )
    .sort()
const escalations = (caseId: string) =>
  t.sql<{ key: string; early: string | null; reason: string | null }[]>`
    select data->>'timerKey' as key, data->>'early' as early, data->>'reason' as reason
      from case_events where case_id = ${caseId} and type = 'escalated' order by recorded_at`
const consultAlert = async (caseId: string) =>
  (
    await t.sql<{ id: string }[]>`select id from alerts where case_id = ${caseId} and template = 'consult'`
  )[0]!.id

async function consult(transmittedAgo: number): Promise<string> {
  const caseId = await startCase(t, 15 * MIN)
  const r = await postEvent(t, 'lantian', caseId, {
    type: 'ecg_transmitted',
    via: 'upload',
    at: iso(transmittedAgo),
  })
  expect(r.status).toBe(201)
  return caseId
}

describe('the consult ladder, with back-dated transmissions', () => {
  it('at once: WeCom (and push) to the first-line; the voice call is a job due 60 s after the transmission', async () => {
    const caseId = await consult(10 * SEC)
    await waitFor('wecom sent', async () =>
      (await attemptsOf(caseId)).some((a) => a.channel === 'wecom' && a.status === 'sent'),
    )
    const as = await attemptsOf(caseId)
    expect(summary(as)).toEqual(['0:webpush:chen', '0:wecom:chen'])
    const card = fakes.wecom.find((w) => JSON.stringify(w.body).includes(caseId))!
    expect(card.body).toMatchObject({ touser: 'chen', msgtype: 'template_card' })
    const tc = card.body.template_card as {
      card_type: string
      button_list: { key: string }[]
      task_id: string
    }
    expect(tc.card_type).toBe('button_interaction')
    expect(tc.button_list.map((b) => b.key)).toEqual(['ack', 'approve'])
    // never the patient's name
    expect(JSON.stringify(card.body)).not.toContain('张某某')
    const [job] = await t.sql<{ startAfter: Date; data: { step: number } }[]>`
      select start_after as "startAfter", data from pgboss.job
       where name = 'ladder-step' and data->>'alertId' = ${await consultAlert(caseId)}`
    expect(job!.data.step).toBe(1)
    const [ev] = await t.sql<
      { at: Date }[]
    >`select at from case_events where case_id = ${caseId} and type = 'ecg_transmitted'`
    expect(job!.startAfter.getTime() - ev!.at.getTime()).toBe(60 * SEC)
    expect(await escalations(caseId)).toEqual([])
  })

  it('90 s late: the voice call to the first-line goes out at once, nobody else yet', async () => {
    const caseId = await consult(90 * SEC)
    await waitFor('call', async () =>
      (await attemptsOf(caseId)).some((a) => a.channel === 'voice' && a.status === 'sent'),
    )
    expect(summary(await attemptsOf(caseId))).toEqual(['0:webpush:chen', '0:wecom:chen', '1:voice:chen'])
    const call = fakes.calls.at(-1)!
    expect(call.body).toMatchObject({
      Action: 'SingleCallByTts',
      CalledNumber: '13800000001',
      TtsCode: 'TTS_001',
    })
    expect(await escalations(caseId)).toEqual([])
  })

  it('3.5 min late: the second-line on every channel they have; 6.5 min: every cardiologist on WeCom + SMS', async () => {
    const three = await consult(3.5 * MIN)
    await waitFor(
      'second-line',
      async () => (await attemptsOf(three)).filter((a) => a.step === 2).length === 4,
    )
    const a3 = summary(await attemptsOf(three))
    expect(a3.filter((s) => s.startsWith('2:'))).toEqual([
      '2:sms:lin',
      '2:voice:lin',
      '2:webpush:lin',
      '2:wecom:lin',
    ])
    expect(a3.some((s) => s.endsWith(':wang'))).toBe(false)

    await t.sql`update channel_attempts set created_at = created_at - interval '25 hours'`
    const six = await consult(6.5 * MIN)
    await waitFor('everyone', async () => (await attemptsOf(six)).filter((a) => a.step === 3).length === 9)
    const a6 = summary(await attemptsOf(six)).filter((s) => s.startsWith('3:'))
    expect(a6).toEqual(
      ['chen', 'lin', 'wang'].flatMap((u) => [`3:sms:${u}`, `3:webpush:${u}`, `3:wecom:${u}`]).sort(),
    )
    expect((await escalations(six)).map((e) => e.key).sort()).toEqual([
      'remote_read:escalate:1',
      'remote_read:escalate:2',
    ])
  })
})

describe('acknowledgement on any channel stops the ladder', () => {
  it('voice key 1 is the first-line acknowledging: recorded with via voice, the 3-min step becomes a no-op', async () => {
    const caseId = await consult(90 * SEC)
    const call = await waitFor('call', async () =>
      (await attemptsOf(caseId)).find((a) => a.channel === 'voice' && a.status === 'sent' && a.providerId),
    )
    const admin = await t.login('admin')
    const view = (await (await t.call('GET', '/api/admin/channels', { token: admin })).json()) as {
      callbackUrls: Record<string, string>
    }
    const url = new URL(view.callbackUrls.voice!)
    const report = [
      {
        call_id: call.providerId,
        callee: '13800000001',
        status_code: '200000',
        status_msg: '用户接听',
        dtmf: '1',
        out_id: 'x',
        start_time: '2026-12-01 13:11:02',
        end_time: '2026-12-01 13:11:30',
      },
    ]
    // A wrong token changes nothing.
    const wrong = await t.app.request(url.pathname.replace(/[^/]+$/, 'not-the-token'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(report),
    })
    expect(wrong.status).toBe(404)
    expect((await attemptsOf(caseId)).find((a) => a.channel === 'voice')!.keyPressed).toBeNull()

    const r = await t.app.request(url.pathname, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(report),
    })
    expect(r.status).toBe(200)
    const [ack] = await t.sql<{ by: string; via: string }[]>`
      select by, data->>'via' as via from case_events where case_id = ${caseId} and type = 'consult_acknowledged'`
    expect(ack).toEqual({ by: user('dr.chen'), via: 'voice' })
    const voice = (await attemptsOf(caseId)).find((a) => a.channel === 'voice')!
    expect(voice.keyPressed).toBe('1')
    expect(voice.acknowledgedAt).not.toBeNull()
    // The next steps find the case acknowledged.
    expect(await fireTimer(t.deps.rt, caseId, 'remote_read:escalate:1', { reason: 'test' })).toBe(false)
    expect(await runLadderStep(t.deps.channels, { alertId: await consultAlert(caseId), step: 1 })).toBe(
      'stopped',
    )
    expect(await escalations(caseId)).toEqual([])
  })
})

describe('per-number caps', () => {
  it('a first-line whose number was called this minute is not redialled: the ladder moves on to the second-line', async () => {
    const first = await consult(90 * SEC)
    await waitFor('call', async () =>
      (await attemptsOf(first)).some((a) => a.channel === 'voice' && a.status === 'sent'),
    )
    const callsBefore = fakes.calls.filter((c) => c.body.CalledNumber === '13800000001').length
    const second = await consult(90 * SEC)
    await waitFor('moved on', async () => (await escalations(second)).length > 0)
    const esc = await escalations(second)
    expect(esc[0]).toMatchObject({ key: 'remote_read:escalate:1', early: 'true', reason: 'capped' })
    const as = await attemptsOf(second)
    expect(as.find((a) => a.channel === 'voice' && a.userId === user('dr.chen'))!.status).toBe('capped')
    await waitFor('second-line called', async () =>
      (await attemptsOf(second)).some(
        (a) => a.channel === 'voice' && a.userId === user('dr.lin') && a.status === 'sent',
      ),
    )
    expect(fakes.calls.filter((c) => c.body.CalledNumber === '13800000001').length).toBe(callsBefore)
  })
})

describe('WeCom button callbacks', () => {
  const post = (q: string, body: string, net = networkId) =>
    t.app.request(`/api/channels/wecom/${net}/callback?${q}`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body,
    })
  const acks = (caseId: string) =>
    t.sql`select id from case_events where case_id = ${caseId} and type in ('consult_acknowledged', 'lysis_decision')`

  it('verifies the URL with echostr', async () => {
    const cb = wecomCallback(WECOM_SETTINGS, { fromUser: 'x', taskId: 'x', eventKey: 'x' })
    // The echostr is the ciphertext of the verification: reuse the callback's Encrypt and signature.
    const encrypt = /<Encrypt><!\[CDATA\[(.+?)\]\]>/.exec(cb.body)![1]!
    const r = await t.app.request(
      `/api/channels/wecom/${networkId}/callback?${cb.query}&echostr=${encodeURIComponent(encrypt)}`,
    )
    expect(r.status).toBe(200)
    expect(await r.text()).toContain('template_card_event')
    const bad = await t.app.request(
      `/api/channels/wecom/${networkId}/callback?msg_signature=00&timestamp=1&nonce=1&echostr=${encodeURIComponent(encrypt)}`,
    )
    expect(bad.status).toBe(403)
  })

  it('an unmapped user, a user of another network, a non-cardiologist or a tampered signature change nothing', async () => {
    await t.sql`update users set wecom_user_id = 'yong' where username = 'dr.yong'`
    await t.sql`update users set wecom_user_id = 'lantian-wx' where username = 'lantian'`
    const caseId = await consult(10 * SEC)
    const taskId = `xl-${await consultAlert(caseId)}-0`
    for (const fromUser of ['ghost', 'yong', 'lantian-wx']) {
      const cb = wecomCallback(WECOM_SETTINGS, { fromUser, taskId, eventKey: 'ack' })
      expect((await post(cb.query, cb.body)).status).toBe(200)
    }
    const tampered = wecomCallback(
      WECOM_SETTINGS,
      { fromUser: 'chen', taskId, eventKey: 'ack', createTime: 1764590001 },
      { tamper: true },
    )
    expect((await post(tampered.query, tampered.body)).status).toBe(403)
    // The right signature, but sent to another network's URL (whose settings are not these).
    const net2 = (
      await t.sql<{ id: string }[]>`select network_id as id from users where username = 'dr.yong'`
    )[0]!.id
    const other = wecomCallback(WECOM_SETTINGS, {
      fromUser: 'chen',
      taskId,
      eventKey: 'ack',
      createTime: 1764590002,
    })
    expect((await post(other.query, other.body, net2)).status).toBe(404)
    expect(await acks(caseId)).toHaveLength(0)
  })

  it("接诊 from the first-line's card: recorded as dr.chen via wecom, every recipient's card updated; a replay is a no-op", async () => {
    const caseId = await consult(10 * SEC)
    const taskId = `xl-${await consultAlert(caseId)}-0`
    const cb = wecomCallback(WECOM_SETTINGS, {
      fromUser: 'chen',
      taskId,
      eventKey: 'ack',
      createTime: 1764591000,
      responseCode: 'rc-chen',
    })
    const before = fakes.updates.length
    expect((await post(cb.query, cb.body)).status).toBe(200)
    const [ack] = await t.sql<{ by: string; via: string }[]>`
      select by, data->>'via' as via from case_events where case_id = ${caseId} and type = 'consult_acknowledged'`
    expect(ack).toEqual({ by: user('dr.chen'), via: 'wecom' })
    expect(fakes.updates.length).toBe(before + 1)
    expect(fakes.updates.at(-1)!.body).toMatchObject({ userids: ['chen'], response_code: 'rc-chen' })
    expect(JSON.stringify(fakes.updates.at(-1)!.body)).toContain('接诊')
    // The same callback again: nothing new.
    expect((await post(cb.query, cb.body)).status).toBe(200)
    expect(await acks(caseId)).toHaveLength(1)
    expect(fakes.updates.length).toBe(before + 1)
    // Visible to everyone on the case.
    const view = (await (
      await t.call('GET', `/api/cases/${caseId}`, { token: await t.login('lantian') })
    ).json()) as {
      events: { type: string; data: { via?: string } }[]
    }
    expect(view.events.find((e) => e.type === 'consult_acknowledged')!.data.via).toBe('wecom')
  })
})

describe('WeCom 批准溶栓', () => {
  it("approves lysis as the mapped cardiologist, with the API's checks; the card shows who approved", async () => {
    const caseId = await consult(10 * SEC)
    const taskId = `xl-${await consultAlert(caseId)}-0`
    const post = (cb: { query: string; body: string }) =>
      t.app.request(`/api/channels/wecom/${networkId}/callback?${cb.query}`, {
        method: 'POST',
        body: cb.body,
      })
    const cb = wecomCallback(WECOM_SETTINGS, {
      fromUser: 'chen',
      taskId,
      eventKey: 'approve',
      createTime: 1764592000,
    })
    expect((await post(cb)).status).toBe(200)
    const decisions = await t.sql<{ by: string; decision: string }[]>`
      select by, data->>'decision' as decision from case_events where case_id = ${caseId} and type = 'lysis_decision'`
    expect(decisions).toEqual([{ by: user('dr.chen'), decision: 'approved' }])
    expect(JSON.stringify(fakes.updates.at(-1)!.body)).toContain('批准溶栓')
    // dr.lin pressing approve too: already decided (the API's guard), nothing new.
    const again = wecomCallback(WECOM_SETTINGS, {
      fromUser: 'lin',
      taskId,
      eventKey: 'approve',
      createTime: 1764592001,
    })
    expect((await post(again)).status).toBe(200)
    expect(
      await t.sql`select id from case_events where case_id = ${caseId} and type = 'lysis_decision'`,
    ).toHaveLength(1)
  })
})

describe('configuration', () => {
  it('GET /api/admin/channels never returns a secret, only whether it is set and its last 4 characters', async () => {
    const r = await t.call('GET', '/api/admin/channels', { token: await t.login('admin') })
    const text = await r.text()
    for (const s of [
      WECOM_SETTINGS.secret,
      WECOM_SETTINGS.callbackAesKey,
      'voice-secret-key-x81',
      'sms-secret-key-q72',
    ])
      expect(text).not.toContain(s)
    const body = JSON.parse(text) as { wecom: { secrets: { secret: { set: boolean; last4: string } } } }
    expect(body.wecom.secrets.secret).toEqual({ set: true, last4: '9f3k' })
    const audit = await t.sql`select after::text as a from audit_log where action like 'channel.%'`
    expect(audit.map((a) => a.a as string).join()).not.toContain('voice-secret-key-x81')
    expect((await t.call('GET', '/api/admin/channels', { token: await t.login('dr.chen') })).status).toBe(403)
  })

  it('readiness: an on-call cardiologist with no working channel at all is listed before the slot', async () => {
    const admin = await t.login('admin')
    const listed = async () =>
      (
        (await (await t.call('GET', '/api/push/readiness', { token: admin })).json()) as {
          noWorkingChannel: { userId: string }[]
        }
      ).noWorkingChannel.map((u) => u.userId)
    expect(await listed()).not.toContain(user('dr.lin'))
    await t.sql`update users set mobile_verified = false, wecom_user_id = null where username = 'dr.lin'`
    expect(await listed()).toContain(user('dr.lin'))
    await t.sql`update users set mobile_verified = true, wecom_user_id = 'lin' where username = 'dr.lin'`
  })

  it('ladders are editable per network and validated by the core', async () => {
    const admin = await t.login('admin')
    const bad = await t.call('PUT', '/api/admin/ladders', {
      token: admin,
      body: { kind: 'deadline', steps: [{ afterSeconds: 0, to: ['all_cardiologists'], channels: ['sms'] }] },
    })
    expect(bad.status).toBe(422)
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('steps.0')
    const ok = await t.call('PUT', '/api/admin/ladders', {
      token: admin,
      body: {
        kind: 'deadline',
        steps: [{ afterSeconds: 0, to: 'alert', channels: ['webpush', 'wecom', 'sms'] }],
      },
    })
    expect(ok.status).toBe(200)
    const got = (await (await t.call('GET', '/api/admin/ladders', { token: admin })).json()) as {
      ladders: Record<string, { custom: boolean }>
    }
    expect(got.ladders.deadline!.custom).toBe(true)
    expect(got.ladders.consult!.custom).toBe(false)
  })
})
