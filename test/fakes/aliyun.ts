/**
 * Fake Aliyun SMS (dysmsapi) and voice (dyvmsapi) RPC endpoints for msw or the loopback HTTPS
 * server. Each request is checked as Aliyun documents it, independently of the production signer:
 * the common parameters, a known AccessKeyId, SignatureMethod HMAC-SHA1 / SignatureVersion 1.0,
 * a Timestamp within 15 minutes, a SignatureNonce never seen before, and the Signature re-derived
 * here from the RFC 3986 rules (byte-wise encoder below); then the action's required parameters.
 * Requests are recorded; the fake can be told to answer isv.BUSINESS_LIMIT_CONTROL.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto'
import { http, HttpResponse, type HttpHandler } from 'msw'

export interface AliyunKey {
  accessKeyId: string
  accessKeySecret: string
}

export const fakeAliyunKey = (): AliyunKey => ({
  accessKeyId: `LTAI${randomBytes(8).toString('hex')}`,
  accessKeySecret: randomBytes(15).toString('base64url'),
})

/** RFC 3986 percent-encoding over UTF-8 bytes: unreserved characters stay, the rest is %XX. */
function rfc3986(s: string): string {
  let out = ''
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte)
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : '%' + byte.toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}

/** Aliyun's documented StringToSign and signature for the received parameters. */
export function expectedSignature(method: string, params: Map<string, string>, secret: string): string {
  const pairs = [...params.entries()]
    .filter(([k]) => k !== 'Signature')
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
  const stringToSign = `${method}&${rfc3986('/')}&${rfc3986(pairs)}`
  return createHmac('sha1', `${secret}&`).update(stringToSign, 'utf8').digest('base64')
}

export interface SeenAliyun {
  host: string
  action: string
  params: Record<string, string>
}

const COMMON = [
  'Format',
  'Version',
  'AccessKeyId',
  'SignatureMethod',
  'SignatureVersion',
  'SignatureNonce',
  'Timestamp',
]

export function aliyunFake(
  key: AliyunKey,
  bases: { sms?: string; vms?: string } = {},
): {
  handlers: HttpHandler[]
  seen: SeenAliyun[]
  rateLimit: (on?: boolean) => void
  failNext: (...codes: string[]) => void
} {
  const sms = bases.sms ?? 'https://dysmsapi.aliyuncs.com'
  const vms = bases.vms ?? 'https://dyvmsapi.aliyuncs.com'
  const seen: SeenAliyun[] = []
  const nonces = new Set<string>()
  const queued: string[] = []
  let limited = false

  const answer = (status: number, body: Record<string, unknown>) =>
    HttpResponse.json({ RequestId: randomUUID().toUpperCase(), ...body }, { status })
  const refuse = (status: number, code: string, message: string) =>
    answer(status, { Code: code, Message: message })

  function handle(product: 'sms' | 'vms') {
    return async ({ request }: { request: Request }) => {
      const url = new URL(request.url)
      const params = new Map<string, string>(url.searchParams)
      if (request.method === 'POST') {
        const type = request.headers.get('content-type') ?? ''
        if (!type.startsWith('application/x-www-form-urlencoded'))
          return refuse(400, 'InvalidParameter', 'content-type must be form-urlencoded')
        for (const [k, v] of new URLSearchParams(await request.text())) params.set(k, v)
      }
      const p = Object.fromEntries(params)
      seen.push({ host: url.host, action: p.Action ?? '', params: p })
      for (const name of [...COMMON, 'Signature', 'Action'])
        if (!p[name]) return refuse(400, 'MissingParameter', `${name} is mandatory for this action.`)
      if (p.Version !== '2017-05-25')
        return refuse(400, 'InvalidVersion', 'Specified parameter Version is not valid.')
      if (p.SignatureMethod !== 'HMAC-SHA1' || p.SignatureVersion !== '1.0')
        return refuse(400, 'InvalidSignatureMethod', 'Specified signature method is not supported.')
      if (p.AccessKeyId !== key.accessKeyId)
        return refuse(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.')
      const ts = Date.parse(p.Timestamp!)
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(p.Timestamp!) || Number.isNaN(ts))
        return refuse(400, 'InvalidTimeStamp.Format', 'Specified time stamp is not valid.')
      if (Math.abs(Date.now() - ts) > 15 * 60_000)
        return refuse(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date header is expired.')
      if (p.Signature !== expectedSignature(request.method, params, key.accessKeySecret))
        return refuse(
          400,
          'SignatureDoesNotMatch',
          'Specified signature is not matched with our calculation.',
        )
      if (nonces.has(p.SignatureNonce!))
        return refuse(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.')
      nonces.add(p.SignatureNonce!)

      const injected = queued.shift() ?? (limited ? 'isv.BUSINESS_LIMIT_CONTROL' : undefined)
      if (product === 'sms') {
        if (p.Action !== 'SendSms')
          return refuse(400, 'InvalidAction.NotFound', 'Specified api is not found.')
        for (const name of ['PhoneNumbers', 'SignName', 'TemplateCode'])
          if (!p[name]) return refuse(400, 'MissingParameter', `${name} is mandatory for this action.`)
        if (p.TemplateParam !== undefined && !isJsonObject(p.TemplateParam))
          return answer(200, { Code: 'isv.INVALID_JSON_PARAM', Message: 'JSON参数不合法，只接受字符串值' })
        if (!/^(?:\+?86)?1[3-9]\d{9}$/.test(p.PhoneNumbers!))
          return answer(200, { Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: '非法手机号' })
        if (injected) return answer(200, { Code: injected, Message: '触发号码天级流控' })
        return answer(200, {
          Code: 'OK',
          Message: 'OK',
          BizId: `${Date.now()}^${randomBytes(4).readUInt32BE(0)}`,
        })
      }
      if (p.Action !== 'SingleCallByTts')
        return refuse(400, 'InvalidAction.NotFound', 'Specified api is not found.')
      for (const name of ['CalledNumber', 'TtsCode'])
        if (!p[name]) return refuse(400, 'MissingParameter', `${name} is mandatory for this action.`)
      if (p.TtsParam !== undefined && !isJsonObject(p.TtsParam))
        return answer(200, { Code: 'isv.INVALID_JSON_PARAM', Message: 'JSON参数不合法' })
      if (!/^(?:86)?1[3-9]\d{9}$/.test(p.CalledNumber!))
        return answer(200, { Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: '号码格式错误' })
      if (injected) return answer(200, { Code: injected, Message: '触发流控' })
      return answer(200, {
        Code: 'OK',
        Message: 'OK',
        CallId: `${randomBytes(5).readUIntBE(0, 5)}^${Date.now()}`,
      })
    }
  }

  return {
    handlers: [http.post(`${sms}/`, handle('sms')), http.post(`${vms}/`, handle('vms'))],
    seen,
    rateLimit: (on = true) => {
      limited = on
    },
    failNext: (...codes) => {
      queued.push(...codes)
    },
  }
}

function isJsonObject(s: string): boolean {
  try {
    const v: unknown = JSON.parse(s)
    return (
      !!v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      Object.values(v).every((x) => typeof x === 'string')
    )
  } catch {
    return false
  }
}
