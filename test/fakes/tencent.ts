/**
 * Fake Tencent Cloud SMS (sms.tencentcloudapi.com, SendSms 2021-01-11) and voice messages
 * (vms.tencentcloudapi.com, SendTtsVoice 2020-09-02) for msw or the loopback HTTPS server. Checks
 * as Tencent's API 3.0 documents, independently of the production signer: X-TC-Action / -Version /
 * -Timestamp (within 5 minutes), the Authorization header's algorithm, SecretId, credential scope
 * (UTC date of the timestamp, service, tc3_request) and signed headers (content-type and host at
 * least), the signature recomputed here from the headers actually received, then the action's
 * required fields. Errors come back as {Response:{Error:{Code,Message},RequestId}} with HTTP 200.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto'
import { http, HttpResponse, type HttpHandler } from 'msw'

export interface TencentKey {
  secretId: string
  secretKey: string
}

export const fakeTencentKey = (): TencentKey => ({
  secretId: `AKID${randomBytes(16).toString('hex')}`,
  secretKey: randomBytes(16).toString('hex'),
})

export interface SeenTencent {
  host: string
  action: string
  headers: Record<string, string>
  body: any
}

const hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex')
const mac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest()

/** Recompute TC3-HMAC-SHA256 from the received request, step by step as the documentation lists them. */
export function tc3Signature(
  secretKey: string,
  req: {
    headers: Record<string, string>
    signedHeaders: string[]
    payload: string
    date: string
    service: string
    timestamp: string
  },
): string {
  const canonicalHeaders = req.signedHeaders
    .map((h) => `${h}:${(req.headers[h] ?? '').trim().toLowerCase()}\n`)
    .join('')
  const canonicalRequest = `POST\n/\n\n${canonicalHeaders}\n${req.signedHeaders.join(';')}\n${hex(req.payload)}`
  const scope = `${req.date}/${req.service}/tc3_request`
  const toSign = `TC3-HMAC-SHA256\n${req.timestamp}\n${scope}\n${hex(canonicalRequest)}`
  const kDate = mac(`TC3${secretKey}`, req.date)
  const kService = mac(kDate, req.service)
  const kSigning = mac(kService, 'tc3_request')
  return createHmac('sha256', kSigning).update(toSign, 'utf8').digest('hex')
}

const E164_CN = /^\+861[3-9]\d{9}$/

export function tencentFake(
  key: TencentKey,
  apps: { smsSdkAppId: string; voiceSdkAppId: string },
  bases: { sms?: string; vms?: string } = {},
) {
  const sms = bases.sms ?? 'https://sms.tencentcloudapi.com'
  const vms = bases.vms ?? 'https://vms.tencentcloudapi.com'
  const seen: SeenTencent[] = []
  const queued: string[] = []
  let limited = false

  const ok = (body: Record<string, unknown>) =>
    HttpResponse.json({ Response: { ...body, RequestId: randomUUID() } })
  const error = (Code: string, Message: string) => ok({ Error: { Code, Message } })

  function handle(service: 'sms' | 'vms') {
    return async ({ request }: { request: Request }) => {
      const url = new URL(request.url)
      const payload = await request.text()
      const headers: Record<string, string> = Object.fromEntries(request.headers)
      // fetch does not expose Host as a header: it is the authority of the URL that was called.
      headers.host ??= url.host
      let body: any
      try {
        body = JSON.parse(payload)
      } catch {
        body = undefined
      }
      const action = headers['x-tc-action'] ?? ''
      seen.push({ host: url.host, action, headers, body })
      if (request.method !== 'POST') return error('UnsupportedProtocol', 'POST only')
      if (!headers['content-type']?.startsWith('application/json'))
        return error('InvalidParameter', 'Content-Type must be application/json')
      for (const h of ['x-tc-action', 'x-tc-version', 'x-tc-timestamp', 'authorization'])
        if (!headers[h])
          return error('MissingParameter', `The request is missing a required parameter \`${h}\`.`)
      const timestamp = headers['x-tc-timestamp']!
      if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300)
        return error(
          'AuthFailure.SignatureExpire',
          'Signature expired. Timestamp is more than 5 minutes from now.',
        )
      const m =
        /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([a-z]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
          headers.authorization!,
        )
      if (!m) return error('AuthFailure.InvalidAuthorization', 'Authorization header is not valid.')
      const [, secretId, date, signedService, signedList, signature] = m
      if (secretId !== key.secretId)
        return error('AuthFailure.SecretIdNotFound', 'The SecretId is not found.')
      if (date !== new Date(Number(timestamp) * 1000).toISOString().slice(0, 10))
        return error(
          'AuthFailure.InvalidAuthorization',
          'Credential date does not match X-TC-Timestamp (UTC).',
        )
      if (signedService !== service)
        return error('AuthFailure.InvalidAuthorization', 'Credential service does not match.')
      const signedHeaders = signedList!.split(';')
      if (!signedHeaders.includes('content-type') || !signedHeaders.includes('host'))
        return error('AuthFailure.InvalidAuthorization', 'content-type and host must be signed.')
      const expected = tc3Signature(key.secretKey, {
        headers,
        signedHeaders,
        payload,
        date: date,
        service,
        timestamp,
      })
      if (signature !== expected)
        return error('AuthFailure.SignatureFailure', 'The provided credentials could not be validated.')
      if (!body || typeof body !== 'object') return error('InvalidParameter', 'body is not JSON')

      const injected =
        queued.shift() ??
        (limited
          ? service === 'sms'
            ? 'LimitExceeded.PhoneNumberOneHourLimit'
            : 'FailedOperation.FrequencyLimit'
          : undefined)
      if (service === 'sms') {
        if (action !== 'SendSms' || headers['x-tc-version'] !== '2021-01-11')
          return error('InvalidAction', 'Action or version not supported.')
        if (body.SmsSdkAppId !== apps.smsSdkAppId)
          return error('FailedOperation.SmsSdkAppIdVerifyFail', 'SmsSdkAppId verify fail.')
        if (!body.SignName) return error('MissingParameter', 'SignName is required for mainland China.')
        if (!body.TemplateId) return error('MissingParameter', 'TemplateId is required.')
        if (!Array.isArray(body.PhoneNumberSet) || body.PhoneNumberSet.length === 0)
          return error('MissingParameter', 'PhoneNumberSet is required.')
        if (
          body.TemplateParamSet !== undefined &&
          (!Array.isArray(body.TemplateParamSet) ||
            body.TemplateParamSet.some((x: unknown) => typeof x !== 'string'))
        )
          return error(
            'InvalidParameterValue.TemplateParameterFormatError',
            'TemplateParamSet must be strings.',
          )
        const SendStatusSet = (body.PhoneNumberSet as string[]).map((phone) => {
          const code = !E164_CN.test(phone)
            ? 'InvalidParameterValue.IncorrectPhoneNumber'
            : (injected ?? 'Ok')
          return {
            SerialNo: code === 'Ok' ? `2433:${randomBytes(12).readBigUInt64BE(0)}` : '',
            PhoneNumber: phone,
            Fee: code === 'Ok' ? 1 : 0,
            SessionContext: body.SessionContext ?? '',
            Code: code,
            Message: code === 'Ok' ? 'send success' : code,
            IsoCode: 'CN',
          }
        })
        return ok({ SendStatusSet })
      }
      if (action !== 'SendTtsVoice' || headers['x-tc-version'] !== '2020-09-02')
        return error('InvalidAction', 'Action or version not supported.')
      if (body.VoiceSdkAppid !== apps.voiceSdkAppId)
        return error('InvalidParameterValue.SdkAppidNotExist', 'VoiceSdkAppid does not exist.')
      if (!body.TemplateId) return error('MissingParameter', 'TemplateId is required.')
      if (typeof body.CalledNumber !== 'string' || !E164_CN.test(body.CalledNumber))
        return error('InvalidParameterValue.IncorrectPhoneNumber', 'CalledNumber must be +86…')
      if (
        body.PlayTimes !== undefined &&
        (!Number.isInteger(body.PlayTimes) || body.PlayTimes < 1 || body.PlayTimes > 3)
      )
        return error('InvalidParameterValue', 'PlayTimes must be 1–3.')
      if (injected) return error(injected, 'frequency limit')
      return ok({
        SendStatus: { CallId: randomUUID().replaceAll('-', ''), SessionContext: body.SessionContext ?? '' },
      })
    }
  }

  return {
    handlers: [http.post(`${sms}/`, handle('sms')), http.post(`${vms}/`, handle('vms'))] as HttpHandler[],
    seen,
    rateLimit: (on = true) => {
      limited = on
    },
    failNext: (...codes: string[]) => {
      queued.push(...codes)
    },
  }
}
