import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { OutboundFetch, SmsSettings, VoiceSettings } from '../vendor.ts'
import { aliyunFake, expectedSignature, fakeAliyunKey } from '../../../../test/fakes/aliyun.ts'
import { signRpc } from './aliyun.ts'
import { createOutboundFetch, endpointsFromEnv, sms, voice } from './index.ts'

const key = fakeAliyunKey()
const fake = aliyunFake(key)
const server = setupServer(...fake.handlers)
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  fake.rateLimit(false)
  server.resetHandlers()
})
afterAll(() => server.close())

const endpoints = endpointsFromEnv({})
const fetch = createOutboundFetch(['dysmsapi.aliyuncs.com', 'dyvmsapi.aliyuncs.com'])
const smsSettings: SmsSettings = {
  provider: 'aliyun',
  ...key,
  signName: '心联',
  templateCode: 'SMS_465300001',
}
const voiceSettings: VoiceSettings = {
  provider: 'aliyun',
  ...key,
  templateCode: 'TTS_300000001',
  calledShowNumber: '057100000000',
}
const msg = { mobile: '+8613800138000', params: { kind: '急会诊', facility: '蓝田卫生院' }, outId: 'att-1' }

/** Change the body after it was signed, as a man in the middle would. */
const tamper =
  (f: OutboundFetch): OutboundFetch =>
  (url, init) =>
    f(url, { ...init, body: (init.body as string).replace('OutId=att-1', 'OutId=att-2') })

describe('Aliyun RPC signature', () => {
  it('matches the worked example of Aliyun’s signature documentation (DescribeRegions, testsecret)', () => {
    const params = {
      Timestamp: '2016-02-23T12:46:24Z',
      Format: 'XML',
      AccessKeyId: 'testid',
      Action: 'DescribeRegions',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
      Version: '2014-05-26',
      SignatureVersion: '1.0',
    }
    expect(signRpc('GET', params, 'testsecret')).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=')
    // The fake's verifier is written separately; it must reproduce the documented example too.
    expect(expectedSignature('GET', new Map(Object.entries(params)), 'testsecret')).toBe(
      'OLeaidS1JvxuMvnyHOwuJ+uX5qY=',
    )
  })

  it('encodes what encodeURIComponent leaves alone, the way the fake’s byte-wise encoder does', async () => {
    const r = await sms.send(fetch, endpoints, smsSettings, {
      ...msg,
      params: { text: "急(会)诊! it's * ~" },
    })
    expect(r.ok).toBe(true)
  })
})

describe('Aliyun SendSms against the fake', () => {
  it('is accepted by the fake’s own verifier and returns the BizId', async () => {
    const r = await sms.send(fetch, endpoints, smsSettings, msg)
    expect(r).toMatchObject({ ok: true, providerId: expect.stringContaining('^') })
    const p = fake.seen.at(-1)!.params
    expect(p).toMatchObject({
      Action: 'SendSms',
      PhoneNumbers: '13800138000',
      SignName: '心联',
      TemplateCode: 'SMS_465300001',
      OutId: 'att-1',
    })
    expect(JSON.parse(p.TemplateParam!)).toEqual(msg.params)
  })

  it('a body changed after signing is refused (SignatureDoesNotMatch, not retried)', async () => {
    const r = await sms.send(tamper(fetch), endpoints, smsSettings, msg)
    expect(r).toMatchObject({
      ok: false,
      code: 'SignatureDoesNotMatch',
      retryable: false,
      rateLimited: false,
    })
  })

  it('a replayed request (same SignatureNonce) is refused', async () => {
    let body = ''
    const recording: OutboundFetch = (url, init) => {
      body = init.body as string
      return fetch(url, init)
    }
    expect((await sms.send(recording, endpoints, smsSettings, msg)).ok).toBe(true)
    const replay: OutboundFetch = (url, init) => fetch(url, { ...init, body })
    expect(await sms.send(replay, endpoints, smsSettings, msg)).toMatchObject({
      ok: false,
      code: 'SignatureNonceUsed',
    })
  })

  it('a wrong secret is refused', async () => {
    const r = await sms.send(fetch, endpoints, { ...smsSettings, accessKeySecret: 'wrong' }, msg)
    expect(r).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' })
  })

  it.each([
    ['isv.BUSINESS_LIMIT_CONTROL', { rateLimited: true, retryable: false }],
    ['isv.DAY_LIMIT_CONTROL', { rateLimited: true, retryable: false }],
    ['Throttling.User', { rateLimited: false, retryable: true }],
    ['isp.SYSTEM_ERROR', { rateLimited: false, retryable: true }],
    ['isv.SMS_TEMPLATE_ILLEGAL', { rateLimited: false, retryable: false }],
  ])('maps %s', async (code, flags) => {
    fake.failNext(code)
    expect(await sms.send(fetch, endpoints, smsSettings, msg)).toMatchObject({ ok: false, code, ...flags })
  })

  it('an illegal number is not retried', async () => {
    const r = await sms.send(fetch, endpoints, smsSettings, { ...msg, mobile: '12345' })
    expect(r).toMatchObject({
      ok: false,
      code: 'isv.MOBILE_NUMBER_ILLEGAL',
      retryable: false,
      rateLimited: false,
    })
  })

  it('a 5xx or a dropped connection is retryable', async () => {
    server.use(
      http.post('https://dysmsapi.aliyuncs.com/', () => new HttpResponse('bad gateway', { status: 502 }), {
        once: true,
      }),
    )
    expect(await sms.send(fetch, endpoints, smsSettings, msg)).toMatchObject({
      ok: false,
      code: 'http_502',
      retryable: true,
    })
    server.use(http.post('https://dysmsapi.aliyuncs.com/', () => HttpResponse.error(), { once: true }))
    expect(await sms.send(fetch, endpoints, smsSettings, msg)).toMatchObject({
      ok: false,
      code: 'network',
      retryable: true,
    })
  })
})

describe('Aliyun SingleCallByTts against the fake', () => {
  it('calls with the TTS template and shown number, and returns the CallId', async () => {
    const r = await voice.call(fetch, endpoints, voiceSettings, msg)
    expect(r).toMatchObject({ ok: true, providerId: expect.any(String) })
    expect(fake.seen.at(-1)!.params).toMatchObject({
      Action: 'SingleCallByTts',
      CalledNumber: '13800138000',
      CalledShowNumber: '057100000000',
      TtsCode: 'TTS_300000001',
      OutId: 'att-1',
    })
  })

  it('the rate-limit mode answers isv.BUSINESS_LIMIT_CONTROL: move on', async () => {
    fake.rateLimit()
    expect(await voice.call(fetch, endpoints, voiceSettings, msg)).toMatchObject({
      ok: false,
      code: 'isv.BUSINESS_LIMIT_CONTROL',
      rateLimited: true,
    })
  })

  it('a tampered call request is refused', async () => {
    expect(await voice.call(tamper(fetch), endpoints, voiceSettings, msg)).toMatchObject({
      ok: false,
      code: 'SignatureDoesNotMatch',
    })
  })
})

describe('Aliyun reports', () => {
  it('reads an SmsReport batch (China time → ISO)', () => {
    const body = [
      {
        phone_number: '13800138000',
        send_time: '2026-12-01 13:10:00',
        report_time: '2026-12-01 13:10:05',
        success: true,
        err_code: 'DELIVERED',
        err_msg: '用户接收成功',
        sms_size: '1',
        biz_id: '900619746936498440^0',
        out_id: 'att-1',
      },
      {
        phone_number: '13900139000',
        report_time: '2026-12-01 13:11:00',
        success: false,
        err_code: 'MK:0001',
        biz_id: 'b2',
      },
      { phone_number: 'no id' },
    ]
    expect(sms.parseReport('aliyun', body)).toEqual([
      {
        channel: 'sms',
        provider: 'aliyun',
        providerId: '900619746936498440^0',
        mobile: '13800138000',
        delivered: true,
        at: '2026-12-01T05:10:05.000Z',
        code: 'DELIVERED',
      },
      {
        channel: 'sms',
        provider: 'aliyun',
        providerId: 'b2',
        mobile: '13900139000',
        delivered: false,
        at: '2026-12-01T05:11:00.000Z',
        code: 'MK:0001',
      },
    ])
  })

  it('reads call records and DTMF reports', () => {
    const body = [
      {
        call_id: 'c1',
        status_code: '200000',
        start_time: '2026-12-01 13:11:02',
        end_time: '2026-12-01 13:11:30',
        out_id: 'att-1',
        dtmf: '1',
      },
      { call_id: 'c2', status_code: '200003', end_time: '2026-12-01 13:12:00' },
      { call_id: 'c3', status_code: '300000', dtmf: '1', status_time: '2026-12-01 13:13:00' },
    ]
    expect(voice.parseReport('aliyun', body)).toEqual([
      {
        channel: 'voice',
        provider: 'aliyun',
        providerId: 'c1',
        at: '2026-12-01T05:11:30.000Z',
        answered: true,
        keyPressed: '1',
        code: '200000',
      },
      {
        channel: 'voice',
        provider: 'aliyun',
        providerId: 'c2',
        at: '2026-12-01T05:12:00.000Z',
        answered: false,
        code: '200003',
      },
      {
        channel: 'voice',
        provider: 'aliyun',
        providerId: 'c3',
        at: '2026-12-01T05:13:00.000Z',
        answered: true,
        keyPressed: '1',
        code: '300000',
      },
    ])
  })

  it('refuses a body that is not JSON data', () => {
    expect(() => sms.parseReport('aliyun', 'x')).toThrow()
  })
})
