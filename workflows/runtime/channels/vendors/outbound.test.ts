import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ProblemError } from '../../../core/problem.ts'
import { createOutboundFetch, defaultAllowedHosts, endpointsFromEnv } from './index.ts'

const seen: string[] = []
const server = setupServer(
  http.get('https://allowed.example.test/ok', ({ request }) => {
    seen.push(request.url)
    return HttpResponse.json({ ok: true })
  }),
  http.get('https://pinned.example.test:8443/ok', ({ request }) => {
    seen.push(request.url)
    return HttpResponse.json({ ok: true })
  }),
  http.get('https://allowed.example.test:8443/ok', ({ request }) => {
    seen.push(request.url)
    return HttpResponse.json({ ok: true })
  }),
  http.get('https://allowed.example.test/redirect', () =>
    HttpResponse.redirect('https://evil.example.test/steal', 302),
  ),
  http.get('https://evil.example.test/*', ({ request }) => {
    seen.push(request.url)
    return HttpResponse.json({ stolen: true })
  }),
)
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterAll(() => server.close())

async function refusal(p: Promise<unknown>): Promise<ProblemError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(ProblemError)
  return e as ProblemError
}

describe('createOutboundFetch (SSRF guard)', () => {
  const guarded = createOutboundFetch([
    'allowed.example.test',
    'pinned.example.test:8443',
    '*.wild.example.test',
  ])

  it('calls an allowed https host (any port, as PUSH_ALLOWED_HOSTS), or a pinned host:port', async () => {
    expect((await guarded('https://allowed.example.test/ok', { method: 'GET' })).status).toBe(200)
    expect((await guarded('https://allowed.example.test:8443/ok', { method: 'GET' })).status).toBe(200)
    expect((await guarded('https://pinned.example.test:8443/ok', { method: 'GET' })).status).toBe(200)
  })

  it.each([
    ['http://allowed.example.test/ok', 'forbidden'],
    ['https://evil.example.test/ok', 'forbidden'],
    ['https://pinned.example.test:9999/ok', 'forbidden'],
    ['https://pinned.example.test/ok', 'forbidden'],
    ['https://user:pw@allowed.example.test/ok', 'forbidden'],
    ['https://wild.example.test/ok', 'forbidden'],
    ['not a url', 'invalid'],
  ])('refuses %s', async (url, code) => {
    const before = seen.length
    const e = await refusal(guarded(url, { method: 'GET' }))
    expect(e.problem.code).toBe(code)
    expect(seen.length).toBe(before)
  })

  it('never follows a redirect off the list', async () => {
    const before = seen.length
    await expect(guarded('https://allowed.example.test/redirect', { method: 'GET' })).rejects.toThrow()
    expect(seen.slice(before)).toEqual([])
  })

  it('keeps secrets in the query out of the error', async () => {
    const e = await refusal(
      guarded('https://evil.example.test/cgi-bin/gettoken?corpsecret=TOPSECRET', { method: 'GET' }),
    )
    expect(JSON.stringify(e.problem) + e.message).not.toContain('TOPSECRET')
  })
})

describe('endpointsFromEnv / defaultAllowedHosts', () => {
  it('defaults to the vendors’ public hosts', () => {
    const e = endpointsFromEnv({})
    expect(e).toEqual({
      wecomApiBase: 'https://qyapi.weixin.qq.com',
      aliyunSms: 'https://dysmsapi.aliyuncs.com',
      aliyunVms: 'https://dyvmsapi.aliyuncs.com',
      tencentSms: 'https://sms.tencentcloudapi.com',
      tencentVms: 'https://vms.tencentcloudapi.com',
    })
    expect(defaultAllowedHosts(e)).toEqual([
      'qyapi.weixin.qq.com',
      'dysmsapi.aliyuncs.com',
      'dyvmsapi.aliyuncs.com',
      'sms.tencentcloudapi.com',
      'vms.tencentcloudapi.com',
    ])
  })

  it('takes overrides with a port (and drops a trailing slash); the allow-list follows', () => {
    const e = endpointsFromEnv({
      WECOM_API_BASE: 'https://127.0.0.1:8443/',
      TENCENT_SMS_ENDPOINT: 'https://gw.example.test/tc',
    })
    expect(e.wecomApiBase).toBe('https://127.0.0.1:8443')
    expect(e.tencentSms).toBe('https://gw.example.test/tc')
    expect(defaultAllowedHosts(e)).toContain('127.0.0.1:8443')
    expect(defaultAllowedHosts(e)).toContain('gw.example.test')
  })

  it.each([
    ['WECOM_API_BASE', 'http://qyapi.weixin.qq.com'],
    ['ALIYUN_SMS_ENDPOINT', 'dysmsapi.aliyuncs.com'],
    ['TENCENT_VMS_ENDPOINT', 'https://vms.tencentcloudapi.com/?x=1'],
  ])('names the variable when %s is bad', (name, value) => {
    expect(() => endpointsFromEnv({ [name]: value })).toThrow(name)
  })
})
