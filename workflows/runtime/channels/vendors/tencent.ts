/**
 * Tencent Cloud SMS (SendSms 2021-01-11) and voice messages (VMS SendTtsVoice 2020-09-02), API 3.0
 * with the TC3-HMAC-SHA256 signature:
 * - CanonicalRequest = POST \n / \n (empty query) \n canonical headers \n signed headers \n hex(sha256(body)),
 *   canonical headers = `content-type:…\nhost:…\n` (lower-case names, sorted);
 * - StringToSign = TC3-HMAC-SHA256 \n timestamp \n date/service/tc3_request \n hex(sha256(CanonicalRequest)),
 *   date = the UTC date of the timestamp;
 * - key = HMAC(HMAC(HMAC('TC3' + SecretKey, date), service), 'tc3_request');
 *   Signature = hex(HMAC(key, StringToSign));
 * - Authorization: TC3-HMAC-SHA256 Credential=SecretId/scope, SignedHeaders=content-type;host, Signature=…
 * plus the X-TC-Action / -Version / -Timestamp / -Region headers.
 */
import crypto from 'node:crypto'
import { fromUnixTime } from 'date-fns/fromUnixTime'
import { getUnixTime } from 'date-fns/getUnixTime'
import type {
  OutboundFetch,
  ProviderReport,
  SendResult,
  SmsSettings,
  VendorEndpoints,
  VoiceSettings,
} from '../vendor.ts'
import { vendorFailure } from './errors.ts'
import { answerText, chinaTimeToIso, e164, readJson, unreachable } from './outbound.ts'

const CONTENT_TYPE = 'application/json; charset=utf-8'
/** SMS and VMS for mainland numbers are served from Guangzhou. */
const REGION = 'ap-guangzhou'

const sha256 = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest('hex')
const hmac = (key: Buffer | string, s: string) => crypto.createHmac('sha256', key).update(s, 'utf8').digest()

export interface Tc3Input {
  secretId: string
  secretKey: string
  service: string
  host: string
  timestamp: number // seconds
  payload: string
}

/** The Authorization header value for a POST / with a JSON body. */
export function tc3Authorization(i: Tc3Input): string {
  const date = fromUnixTime(i.timestamp).toISOString().slice(0, 10)
  const signedHeaders = 'content-type;host'
  const canonicalRequest = [
    'POST',
    '/',
    '',
    `content-type:${CONTENT_TYPE}\nhost:${i.host.toLowerCase()}\n`,
    signedHeaders,
    sha256(i.payload),
  ].join('\n')
  const scope = `${date}/${i.service}/tc3_request`
  const stringToSign = ['TC3-HMAC-SHA256', String(i.timestamp), scope, sha256(canonicalRequest)].join('\n')
  const key = hmac(hmac(hmac('TC3' + i.secretKey, date), i.service), 'tc3_request')
  const signature = crypto.createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex')
  return `TC3-HMAC-SHA256 Credential=${i.secretId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`
}

interface TencentError {
  Response?: { Error?: { Code?: string; Message?: string }; [k: string]: unknown }
}

async function call(
  fetch: OutboundFetch,
  endpoint: string,
  service: 'sms' | 'vms',
  action: string,
  version: string,
  secretId: string,
  secretKey: string,
  payload: unknown,
): Promise<
  { ok: true; json: TencentError; text: string; status: number } | { ok: false; result: SendResult }
> {
  const body = JSON.stringify(payload)
  const timestamp = getUnixTime(new Date())
  // The signed host is the one fetch sends: host[:port] of the endpoint.
  const host = new URL(endpoint).host
  let res: Response
  try {
    res = await fetch(`${endpoint}/`, {
      method: 'POST',
      headers: {
        'content-type': CONTENT_TYPE,
        authorization: tc3Authorization({ secretId, secretKey, service, host, timestamp, payload: body }),
        'x-tc-action': action,
        'x-tc-version': version,
        'x-tc-timestamp': String(timestamp),
        'x-tc-region': REGION,
      },
      body,
    })
  } catch (e) {
    return { ok: false, result: unreachable(e) }
  }
  const read = await readJson(res, [secretKey])
  if (!read.ok) return read
  const j = read.json as TencentError
  const err = j.Response?.Error
  if (err) {
    const code = err.Code ?? `http_${res.status}`
    return { ok: false, result: vendorFailure('tencent', code, read.text, res.status) }
  }
  return { ok: true, json: j, text: read.text, status: res.status }
}

/**
 * Tencent templates are positional ({1}, {2}, …): keys "1", "2", … go to their position;
 * other keys keep the caller's order.
 */
export function positional(params: Record<string, string>): string[] {
  const keys = Object.keys(params)
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k)))
    return keys.sort((a, b) => Number(a) - Number(b)).map((k) => params[k]!)
  return Object.values(params)
}

export async function sendSms(
  fetch: OutboundFetch,
  endpoints: VendorEndpoints,
  s: SmsSettings,
  m: { mobile: string; params: Record<string, string>; outId: string },
): Promise<SendResult> {
  const r = await call(
    fetch,
    endpoints.tencentSms,
    'sms',
    'SendSms',
    '2021-01-11',
    s.accessKeyId,
    s.accessKeySecret,
    {
      PhoneNumberSet: [e164(m.mobile)],
      SmsSdkAppId: s.sdkAppId ?? '',
      SignName: s.signName,
      TemplateId: s.templateCode,
      TemplateParamSet: positional(m.params),
      SessionContext: m.outId,
    },
  )
  if (!r.ok) return r.result
  const set = (r.json.Response?.SendStatusSet ?? []) as { Code?: string; SerialNo?: string }[]
  const first = set[0]
  if (first?.Code === 'Ok' && first.SerialNo)
    return { ok: true, providerId: first.SerialNo, answer: answerText(r.text) }
  return vendorFailure('tencent', first?.Code ?? 'no_status', r.text, r.status)
}

export async function callTts(
  fetch: OutboundFetch,
  endpoints: VendorEndpoints,
  s: VoiceSettings,
  m: { mobile: string; params: Record<string, string>; outId: string },
): Promise<SendResult> {
  const r = await call(
    fetch,
    endpoints.tencentVms,
    'vms',
    'SendTtsVoice',
    '2020-09-02',
    s.accessKeyId,
    s.accessKeySecret,
    {
      TemplateId: s.templateCode,
      TemplateParamSet: positional(m.params),
      CalledNumber: e164(m.mobile),
      VoiceSdkAppid: s.sdkAppId ?? '',
      PlayTimes: 2,
      SessionContext: m.outId,
    },
  )
  if (!r.ok) return r.result
  const status = r.json.Response?.SendStatus as { CallId?: string } | undefined
  if (status?.CallId) return { ok: true, providerId: status.CallId, answer: answerText(r.text) }
  return vendorFailure('tencent', 'no_status', r.text)
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined
const records = (body: unknown): Record<string, unknown>[] =>
  (Array.isArray(body) ? body : [body]).filter(
    (x): x is Record<string, unknown> => !!x && typeof x === 'object',
  )
const unixToIso = (v: unknown): string | undefined => {
  const n = Number(str(v))
  return Number.isFinite(n) && n > 0 ? fromUnixTime(n).toISOString() : undefined
}

/** The SMS status callback: a JSON array of {user_receive_time, mobile, report_status, errmsg, sid}. */
export function parseSmsReport(body: unknown, now: Date): ProviderReport[] {
  return records(body).flatMap((r) => {
    const id = str(r.sid)
    if (!id) return []
    const report: ProviderReport = {
      channel: 'sms',
      provider: 'tencent',
      providerId: id,
      delivered: r.report_status === 'SUCCESS',
      at: chinaTimeToIso(r.user_receive_time) ?? now.toISOString(),
    }
    const mobile = str(r.mobile)
    if (mobile) report.mobile = mobile
    const code = str(r.errmsg)
    if (code) report.code = code
    return [report]
  })
}

/**
 * The voice callbacks, one object each: `voiceprompt_callback` (result 0 answered, 1 not answered,
 * 2 failed; accept_time / end_calltime in unix seconds), `voicekey_callback` (keypress),
 * `voice_failure_callback` (failure_code, failure_reason).
 */
export function parseVoiceReport(body: unknown, now: Date): ProviderReport[] {
  return records(body).flatMap((r): ProviderReport[] => {
    const prompt = r.voiceprompt_callback as Record<string, unknown> | undefined
    const key = r.voicekey_callback as Record<string, unknown> | undefined
    const failure = r.voice_failure_callback as Record<string, unknown> | undefined
    const base = (c: Record<string, unknown>) => {
      const id = str(c.callid)
      if (!id) return null
      const rep: ProviderReport = {
        channel: 'voice',
        provider: 'tencent',
        providerId: id,
        at: now.toISOString(),
      }
      const mobile = str(c.mobile)
      if (mobile) rep.mobile = mobile
      return rep
    }
    if (prompt && typeof prompt === 'object') {
      const rep = base(prompt)
      if (!rep) return []
      const result = str(prompt.result)
      rep.answered = result === '0'
      rep.at = unixToIso(prompt.accept_time) ?? unixToIso(prompt.end_calltime) ?? rep.at
      if (result) rep.code = result
      return [rep]
    }
    if (key && typeof key === 'object') {
      const rep = base(key)
      const pressed = str(key.keypress)
      if (!rep || !pressed) return []
      rep.answered = true
      rep.keyPressed = pressed
      return [rep]
    }
    if (failure && typeof failure === 'object') {
      const rep = base(failure)
      if (!rep) return []
      rep.answered = false
      const code = str(failure.failure_code)
      if (code) rep.code = code
      return [rep]
    }
    return []
  })
}
