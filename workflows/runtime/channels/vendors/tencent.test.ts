import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { OutboundFetch, SmsSettings, VoiceSettings } from '../vendor.ts'
import { fakeTencentKey, tc3Signature, tencentFake } from '../../../../test/fakes/tencent.ts'
import { createOutboundFetch, endpointsFromEnv, sms, voice } from './index.ts'
import { positional, tc3Authorization } from './tencent.ts'

const key = fakeTencentKey()
const apps = { smsSdkAppId: '1400787878', voiceSdkAppId: '1400999999' }
const fake = tencentFake(key, apps)
const server = setupServer(...fake.handlers)
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => fake.rateLimit(false))
afterAll(() => server.close())

const endpoints = endpointsFromEnv({})
const fetch = createOutboundFetch(['sms.tencentcloudapi.com', 'vms.tencentcloudapi.com'])
const smsSettings: SmsSettings = {
  provider: 'tencent',
  accessKeyId: key.secretId,
  accessKeySecret: key.secretKey,
  signName: '心联',
  templateCode: '1900001',
  sdkAppId: apps.smsSdkAppId,
}
const voiceSettings: VoiceSettings = {
  provider: 'tencent',
  accessKeyId: key.secretId,
  accessKeySecret: key.secretKey,
  templateCode: '2900001',
  sdkAppId: apps.voiceSdkAppId,
}
const msg = { mobile: '13800138000', params: { '1': '急会诊', '2': '蓝田卫生院' }, outId: 'att-1' }

const tamper =
  (f: OutboundFetch): OutboundFetch =>
  (url, init) =>
    f(url, { ...init, body: (init.body as string).replace('att-1', 'att-2') })

describe('TC3-HMAC-SHA256', () => {
  it('matches the worked example of Tencent Cloud’s signature v3 documentation', () => {
    const auth = tc3Authorization({
      secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE',
      secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
      service: 'cvm',
      host: 'cvm.tencentcloudapi.com',
      timestamp: 1551113065,
      payload: '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
    })
    expect(auth).toBe(
      'TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168',
    )
  })

  it('the fake’s verifier, written separately, reproduces the documented example too', () => {
    expect(
      tc3Signature('Gu5t9xGARNpq86cd98joQYCN3EXAMPLE', {
        headers: { 'content-type': 'application/json; charset=utf-8', host: 'cvm.tencentcloudapi.com' },
        signedHeaders: ['content-type', 'host'],
        payload: '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
        date: '2019-02-25',
        service: 'cvm',
        timestamp: '1551113065',
      }),
    ).toBe('72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168')
  })

  it('puts numbered template parameters in their positions', () => {
    expect(positional({ '2': 'b', '10': 'c', '1': 'a' })).toEqual(['a', 'b', 'c'])
    expect(positional({ kind: 'x', place: 'y' })).toEqual(['x', 'y'])
  })
})

describe('Tencent SendSms against the fake', () => {
  it('is accepted by the fake’s own verifier and returns the SerialNo', async () => {
    const r = await sms.send(fetch, endpoints, smsSettings, msg)
    expect(r).toMatchObject({ ok: true, providerId: expect.stringMatching(/^2433:/) })
    const seen = fake.seen.at(-1)!
    expect(seen.headers).toMatchObject({
      'x-tc-action': 'SendSms',
      'x-tc-version': '2021-01-11',
      'x-tc-region': 'ap-guangzhou',
    })
    expect(seen.body).toEqual({
      PhoneNumberSet: ['+8613800138000'],
      SmsSdkAppId: apps.smsSdkAppId,
      SignName: '心联',
      TemplateId: '1900001',
      TemplateParamSet: ['急会诊', '蓝田卫生院'],
      SessionContext: 'att-1',
    })
  })

  it('a body changed after signing is refused (AuthFailure.SignatureFailure)', async () => {
    expect(await sms.send(tamper(fetch), endpoints, smsSettings, msg)).toMatchObject({
      ok: false,
      code: 'AuthFailure.SignatureFailure',
      retryable: false,
    })
  })

  it('an unknown SecretId is refused', async () => {
    expect(await sms.send(fetch, endpoints, { ...smsSettings, accessKeyId: 'AKIDnope' }, msg)).toMatchObject({
      ok: false,
      code: 'AuthFailure.SecretIdNotFound',
    })
  })

  it.each([
    ['LimitExceeded.PhoneNumberDailyLimit', { rateLimited: true, retryable: false }],
    ['LimitExceeded.PhoneNumberOneHourLimit', { rateLimited: true, retryable: false }],
    ['LimitExceeded.PhoneNumberThirtySecondLimit', { rateLimited: true, retryable: false }],
    ['FailedOperation.FrequencyLimit', { rateLimited: true, retryable: false }],
    ['InternalError.Timeout', { rateLimited: false, retryable: true }],
    ['FailedOperation.TemplateIncorrectOrUnapproved', { rateLimited: false, retryable: false }],
  ])('maps %s', async (code, flags) => {
    fake.failNext(code)
    expect(await sms.send(fetch, endpoints, smsSettings, msg)).toMatchObject({ ok: false, code, ...flags })
  })

  it('a wrong number format is not retried', async () => {
    expect(await sms.send(fetch, endpoints, smsSettings, { ...msg, mobile: '+861234' })).toMatchObject({
      ok: false,
      code: 'InvalidParameterValue.IncorrectPhoneNumber',
      retryable: false,
    })
  })
})

describe('Tencent SendTtsVoice against the fake', () => {
  it('calls the number with the template and returns the CallId', async () => {
    const r = await voice.call(fetch, endpoints, voiceSettings, msg)
    expect(r).toMatchObject({ ok: true, providerId: expect.any(String) })
    const seen = fake.seen.at(-1)!
    expect(seen.headers['x-tc-action']).toBe('SendTtsVoice')
    expect(seen.body).toMatchObject({
      TemplateId: '2900001',
      TemplateParamSet: ['急会诊', '蓝田卫生院'],
      CalledNumber: '+8613800138000',
      VoiceSdkAppid: apps.voiceSdkAppId,
      SessionContext: 'att-1',
    })
  })

  it('the rate-limit mode is rateLimited; a tampered request is refused', async () => {
    fake.rateLimit()
    expect(await voice.call(fetch, endpoints, voiceSettings, msg)).toMatchObject({
      ok: false,
      rateLimited: true,
    })
    fake.rateLimit(false)
    expect(await voice.call(tamper(fetch), endpoints, voiceSettings, msg)).toMatchObject({
      ok: false,
      code: 'AuthFailure.SignatureFailure',
    })
  })
})

describe('Tencent reports', () => {
  it('reads the SMS status callback', () => {
    const body = [
      {
        user_receive_time: '2026-12-01 13:10:04',
        nationcode: '86',
        mobile: '13800138000',
        report_status: 'SUCCESS',
        errmsg: 'DELIVRD',
        description: '用户短信送达成功',
        sid: '2433:1045710669157053657849499619',
      },
      {
        user_receive_time: '2026-12-01 13:10:09',
        mobile: '13900139000',
        report_status: 'FAIL',
        errmsg: 'MK:0005',
        sid: 's2',
      },
    ]
    expect(sms.parseReport('tencent', body)).toEqual([
      {
        channel: 'sms',
        provider: 'tencent',
        providerId: '2433:1045710669157053657849499619',
        mobile: '13800138000',
        delivered: true,
        at: '2026-12-01T05:10:04.000Z',
        code: 'DELIVRD',
      },
      {
        channel: 'sms',
        provider: 'tencent',
        providerId: 's2',
        mobile: '13900139000',
        delivered: false,
        at: '2026-12-01T05:10:09.000Z',
        code: 'MK:0005',
      },
    ])
  })

  it('reads the call status, key press and failure callbacks', () => {
    expect(
      voice.parseReport('tencent', {
        voiceprompt_callback: {
          result: '0',
          accept_time: '1764565870',
          callid: 'c1',
          end_calltime: '1764565890',
          mobile: '13800138000',
          nationcode: '86',
        },
      }),
    ).toEqual([
      {
        channel: 'voice',
        provider: 'tencent',
        providerId: 'c1',
        mobile: '13800138000',
        answered: true,
        at: '2025-12-01T05:11:10.000Z',
        code: '0',
      },
    ])
    expect(
      voice.parseReport('tencent', {
        voiceprompt_callback: { result: '1', callid: 'c2', accept_time: '0', end_calltime: '1764565890' },
      })[0],
    ).toMatchObject({
      providerId: 'c2',
      answered: false,
      at: '2025-12-01T05:11:30.000Z',
    })
    expect(
      voice.parseReport('tencent', {
        voicekey_callback: { callid: 'c1', keypress: '1', mobile: '13800138000', nationcode: '86' },
      })[0],
    ).toMatchObject({
      providerId: 'c1',
      answered: true,
      keyPressed: '1',
    })
    expect(
      voice.parseReport('tencent', {
        voice_failure_callback: { callid: 'c3', failure_code: 8, failure_reason: '空号' },
      })[0],
    ).toMatchObject({
      providerId: 'c3',
      answered: false,
      code: '8',
    })
    expect(voice.parseReport('tencent', { something_else: {} })).toEqual([])
  })
})
