/**
 * Aliyun SMS (dysmsapi 2017-05-25 SendSms) and voice (dyvmsapi 2017-05-25 SingleCallByTts),
 * RPC style with Aliyun's signature method HMAC-SHA1 version 1.0:
 * - every parameter (common + action) percent-encoded per RFC 3986 (unreserved A–Z a–z 0–9 - _ . ~
 *   kept, everything else %XY in upper case, so space → %20, * → %2A, ~ kept);
 * - the encoded `k=v` pairs sorted by key and joined with `&` (the canonicalized query);
 * - StringToSign = METHOD & percentEncode('/') & percentEncode(canonicalized query);
 * - Signature = base64(HMAC-SHA1(AccessKeySecret + '&', StringToSign)).
 * The request is a POST with the signed parameters as an x-www-form-urlencoded body.
 */
import crypto from 'node:crypto'
import type {
  OutboundFetch,
  ProviderReport,
  SendResult,
  SmsSettings,
  VendorEndpoints,
  VoiceSettings,
} from '../vendor.ts'
import { vendorFailure } from './errors.ts'
import { answerText, chinaTimeToIso, mainlandDigits, readJson, unreachable } from './outbound.ts'

export function percentEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
}

export function canonicalQuery(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(params[k]!)}`)
    .join('&')
}

export function signRpc(method: 'GET' | 'POST', params: Record<string, string>, secret: string): string {
  const stringToSign = `${method}&${percentEncode('/')}&${percentEncode(canonicalQuery(params))}`
  return crypto
    .createHmac('sha1', secret + '&')
    .update(stringToSign)
    .digest('base64')
}

async function rpc(
  fetch: OutboundFetch,
  endpoint: string,
  accessKeyId: string,
  secret: string,
  action: Record<string, string>,
  idField: 'BizId' | 'CallId',
): Promise<SendResult> {
  const params: Record<string, string> = {
    Format: 'JSON',
    Version: '2017-05-25',
    AccessKeyId: accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: crypto.randomUUID(),
    Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    RegionId: 'cn-hangzhou',
    ...action,
  }
  const body = `${canonicalQuery(params)}&Signature=${percentEncode(signRpc('POST', params, secret))}`
  let res: Response
  try {
    res = await fetch(`${endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    })
  } catch (e) {
    return unreachable(e)
  }
  const read = await readJson(res, [secret])
  if (!read.ok) return read.result
  const j = read.json as { Code?: unknown; BizId?: unknown; CallId?: unknown }
  const code = typeof j.Code === 'string' ? j.Code : `http_${res.status}`
  const id = j[idField]
  if (code === 'OK' && typeof id === 'string')
    return { ok: true, providerId: id, answer: answerText(read.text) }
  return vendorFailure('aliyun', code, read.text, res.status)
}

export function sendSms(
  fetch: OutboundFetch,
  endpoints: VendorEndpoints,
  s: SmsSettings,
  m: { mobile: string; params: Record<string, string>; outId: string },
): Promise<SendResult> {
  return rpc(
    fetch,
    endpoints.aliyunSms,
    s.accessKeyId,
    s.accessKeySecret,
    {
      Action: 'SendSms',
      PhoneNumbers: mainlandDigits(m.mobile),
      SignName: s.signName,
      TemplateCode: s.templateCode,
      TemplateParam: JSON.stringify(m.params),
      OutId: m.outId,
    },
    'BizId',
  )
}

export function callTts(
  fetch: OutboundFetch,
  endpoints: VendorEndpoints,
  s: VoiceSettings,
  m: { mobile: string; params: Record<string, string>; outId: string },
): Promise<SendResult> {
  const action: Record<string, string> = {
    Action: 'SingleCallByTts',
    CalledNumber: mainlandDigits(m.mobile),
    TtsCode: s.templateCode,
    TtsParam: JSON.stringify(m.params),
    OutId: m.outId,
  }
  // Public-mode templates call from Aliyun's pool: the shown number must then be left out.
  if (s.calledShowNumber) action.CalledShowNumber = s.calledShowNumber
  return rpc(fetch, endpoints.aliyunVms, s.accessKeyId, s.accessKeySecret, action, 'CallId')
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
const items = (body: unknown): Record<string, unknown>[] =>
  (Array.isArray(body) ? body : [body]).filter(
    (x): x is Record<string, unknown> => !!x && typeof x === 'object',
  )

/** SmsReport as pushed over HTTP: a JSON array of {phone_number, success, biz_id, report_time, err_code, …}. */
export function parseSmsReport(body: unknown, now: Date): ProviderReport[] {
  return items(body).flatMap((r) => {
    const id = str(r.biz_id)
    if (!id) return []
    const report: ProviderReport = {
      channel: 'sms',
      provider: 'aliyun',
      providerId: id,
      delivered: r.success === true || r.success === 'true',
      at: chinaTimeToIso(r.report_time) ?? now.toISOString(),
    }
    const mobile = str(r.phone_number)
    if (mobile) report.mobile = mobile
    const code = str(r.err_code)
    if (code) report.code = code
    return [report]
  })
}

/** Call status codes of a completed notification call that the callee picked up (listened fully or hung up early). */
const ANSWERED = new Set(['200000', '200001'])

/** VoiceReport / VoiceCallReport: a JSON array of {call_id, status_code, dtmf, start_time, status_time, out_id, …}. */
export function parseVoiceReport(body: unknown, now: Date): ProviderReport[] {
  return items(body).flatMap((r) => {
    const id = str(r.call_id) ?? str(r.callid)
    if (!id) return []
    const status = str(r.status_code)
    const report: ProviderReport = {
      channel: 'voice',
      provider: 'aliyun',
      providerId: id,
      at:
        chinaTimeToIso(r.status_time) ??
        chinaTimeToIso(r.end_time) ??
        chinaTimeToIso(r.start_time) ??
        now.toISOString(),
    }
    // A DTMF report (status 300000) or a start time means the callee answered.
    const dtmf = str(r.dtmf)
    if ((status && ANSWERED.has(status)) || str(r.start_time) || dtmf) report.answered = true
    else if (status && status !== '300000') report.answered = false
    if (dtmf) report.keyPressed = dtmf
    const mobile = str(r.callee)
    if (mobile) report.mobile = mobile
    if (status) report.code = status
    return [report]
  })
}
