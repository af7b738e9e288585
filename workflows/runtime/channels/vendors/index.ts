/**
 * STAND-IN for the vendor clients (replaced at merge by the real vendors/index.ts, which signs
 * Aliyun's and Tencent's requests and is tested against strict fakes). It has the exact
 * signatures of that module and speaks just enough of each wire format for the ladder's
 * integration tests (test/int/channels-*.int.test.ts) to see a request and read an answer:
 * no request signing, no token refresh on 42001/40014.
 */
import { createDecipheriv, createHash, timingSafeEqual } from 'node:crypto'
import type {
  OutboundFetch,
  ProviderReport,
  SendResult,
  SmsProvider,
  SmsSettings,
  VendorEndpoints,
  VoiceProvider,
  VoiceSettings,
  WecomButtonCard,
  WecomCallback,
  WecomSettings,
} from '../vendor.ts'

export type TokenCache = Map<string, { token: string; until: number }>
export const createTokenCache = (): TokenCache => new Map()

/** fetch restricted to https and the allowed hosts (`*.example.com` matches subdomains). */
export function createOutboundFetch(allowedHosts: string[]): OutboundFetch {
  const allowed = allowedHosts.map((h) => h.trim().toLowerCase()).filter(Boolean)
  return async (url, init) => {
    const u = new URL(url)
    const host = u.hostname.toLowerCase()
    const ok = allowed.some((a) => (a.startsWith('*.') ? host.endsWith(a.slice(1)) : host === a))
    if (u.protocol !== 'https:' || !ok) throw new Error(`outbound host not allowed: ${host}`)
    return fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(10_000) })
  }
}

export function endpointsFromEnv(env: Record<string, string | undefined>): VendorEndpoints {
  const base = (v: string | undefined, d: string) => (v ?? d).replace(/\/$/, '')
  return {
    wecomApiBase: base(env.WECOM_API_BASE, 'https://qyapi.weixin.qq.com'),
    aliyunSms: base(env.ALIYUN_SMS_ENDPOINT, 'https://dysmsapi.aliyuncs.com'),
    aliyunVms: base(env.ALIYUN_VMS_ENDPOINT, 'https://dyvmsapi.aliyuncs.com'),
    tencentSms: base(env.TENCENT_SMS_ENDPOINT, 'https://sms.tencentcloudapi.com'),
    tencentVms: base(env.TENCENT_VMS_ENDPOINT, 'https://vms.tencentcloudapi.com'),
  }
}

/** A vendor's field as text (numbers as digits); anything else is empty. */
const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '')

const failed = (code: string, answer: string, retryable = false, rateLimited = false): SendResult => ({
  ok: false,
  code,
  answer,
  retryable,
  rateLimited,
})

async function json(r: Response): Promise<Record<string, unknown>> {
  try {
    return (await r.json()) as Record<string, unknown>
  } catch {
    return {}
  }
}

async function wecomToken(f: OutboundFetch, e: VendorEndpoints, s: WecomSettings, cache: TokenCache) {
  const hit = cache.get(s.corpId)
  if (hit && hit.until > Date.now()) return hit.token
  const r = await json(
    await f(
      `${e.wecomApiBase}/cgi-bin/gettoken?corpid=${encodeURIComponent(s.corpId)}&corpsecret=${encodeURIComponent(s.secret)}`,
      {},
    ),
  )
  if (r.errcode !== 0 || typeof r.access_token !== 'string') throw new Error(`gettoken ${String(r.errcode)}`)
  cache.set(s.corpId, { token: r.access_token, until: Date.now() + (Number(r.expires_in) - 300) * 1000 })
  return r.access_token
}

async function wecomPost(
  f: OutboundFetch,
  e: VendorEndpoints,
  s: WecomSettings,
  cache: TokenCache,
  path: string,
  body: unknown,
): Promise<SendResult> {
  try {
    const token = await wecomToken(f, e, s, cache)
    const r = await json(
      await f(`${e.wecomApiBase}${path}?access_token=${token}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    )
    if (r.errcode === 0) return { ok: true, providerId: str(r.msgid), answer: 'ok' }
    return failed(String(r.errcode), str(r.errmsg), false, r.errcode === 45033 || r.errcode === 45009)
  } catch (err) {
    return failed('network', err instanceof Error ? err.message : 'error', true)
  }
}

function sha1(parts: string[]) {
  return createHash('sha1')
    .update([...parts].sort().join(''))
    .digest('hex')
}
function decrypt(s: WecomSettings, encrypted: string): string {
  const key = Buffer.from(s.callbackAesKey + '=', 'base64')
  const d = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16))
  d.setAutoPadding(false)
  const raw = Buffer.concat([d.update(Buffer.from(encrypted, 'base64')), d.final()])
  const plain = raw.subarray(0, raw.length - raw[raw.length - 1]!)
  const len = plain.readUInt32BE(16)
  if (plain.subarray(20 + len).toString() !== s.corpId) throw new Error('wecom: receiver id mismatch')
  return plain.subarray(20, 20 + len).toString('utf8')
}
function verify(s: WecomSettings, q: Record<string, string | undefined>, encrypted: string) {
  const want = sha1([s.callbackToken, q.timestamp ?? '', q.nonce ?? '', encrypted])
  const got = q.msg_signature ?? ''
  if (got.length !== want.length || !timingSafeEqual(Buffer.from(got), Buffer.from(want)))
    throw new Error('wecom: bad signature')
}
const tag = (xml: string, name: string) =>
  new RegExp(`<${name}>(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))</${name}>`)
    .exec(xml)
    ?.slice(1)
    .find((v) => v !== undefined)

export const wecom = {
  sendButtonCard: (
    f: OutboundFetch,
    e: VendorEndpoints,
    s: WecomSettings,
    cache: TokenCache,
    m: { toUsers: string[]; card: WecomButtonCard },
  ) =>
    wecomPost(f, e, s, cache, '/cgi-bin/message/send', {
      touser: m.toUsers.join('|'),
      msgtype: 'template_card',
      agentid: s.agentId,
      template_card: {
        card_type: 'button_interaction',
        main_title: { title: m.card.title, desc: m.card.description },
        horizontal_content_list: m.card.rows.map((r) => ({ keyname: r.key, value: r.value })),
        card_action: { type: 1, url: m.card.url },
        task_id: m.card.taskId,
        button_list: m.card.buttons.map((b) => ({ text: b.text, style: b.style ?? 1, key: b.key })),
      },
    }),
  sendTextCard: (
    f: OutboundFetch,
    e: VendorEndpoints,
    s: WecomSettings,
    cache: TokenCache,
    m: { toUsers: string[]; title: string; description: string; url: string },
  ) =>
    wecomPost(f, e, s, cache, '/cgi-bin/message/send', {
      touser: m.toUsers.join('|'),
      msgtype: 'textcard',
      agentid: s.agentId,
      textcard: { title: m.title, description: m.description, url: m.url },
    }),
  updateCard: (
    f: OutboundFetch,
    e: VendorEndpoints,
    s: WecomSettings,
    cache: TokenCache,
    m: { userIds: string[]; responseCode: string; replaceName: string },
  ) =>
    wecomPost(f, e, s, cache, '/cgi-bin/message/update_template_card', {
      userids: m.userIds,
      agentid: s.agentId,
      response_code: m.responseCode,
      button: { replace_name: m.replaceName },
    }),
  verifyUrl(s: WecomSettings, q: Record<string, string | undefined>): string {
    verify(s, q, q.echostr ?? '')
    return decrypt(s, q.echostr ?? '')
  },
  openCallback(s: WecomSettings, q: Record<string, string | undefined>, bodyXml: string): WecomCallback {
    const encrypted = tag(bodyXml, 'Encrypt') ?? ''
    verify(s, q, encrypted)
    const xml = decrypt(s, encrypted)
    const event = tag(xml, 'Event') ?? ''
    if (event !== 'template_card_event') return { kind: 'other', event, fromUser: tag(xml, 'FromUserName') }
    return {
      kind: 'template_card_event',
      toUserName: tag(xml, 'ToUserName') ?? '',
      fromUser: tag(xml, 'FromUserName') ?? '',
      agentId: Number(tag(xml, 'AgentID') ?? 0),
      createTime: Number(tag(xml, 'CreateTime') ?? 0),
      taskId: tag(xml, 'TaskId') ?? '',
      eventKey: tag(xml, 'EventKey') ?? '',
      responseCode: tag(xml, 'ResponseCode') ?? '',
    }
  },
}

async function aliyun(f: OutboundFetch, base: string, params: Record<string, string>, idField: string) {
  try {
    const r = await json(
      await f(`${base}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ Format: 'JSON', ...params }).toString(),
      }),
    )
    if (r.Code === 'OK') return { ok: true as const, providerId: str(r[idField]), answer: 'OK' }
    const code = str(r.Code) || 'error'
    return failed(code, str(r.Message), false, /LIMIT_CONTROL|FLOW_CONTROL/.test(code))
  } catch (err) {
    return failed('network', err instanceof Error ? err.message : 'error', true)
  }
}

async function tencent(f: OutboundFetch, base: string, action: string, body: unknown) {
  try {
    const r = await json(
      await f(`${base}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'X-TC-Action': action, 'X-TC-Version': '2021-01-11' },
        body: JSON.stringify(body),
      }),
    )
    return (r.Response ?? {}) as Record<string, unknown>
  } catch (err) {
    return { Error: { Code: 'network', Message: err instanceof Error ? err.message : 'error' } }
  }
}

export const sms = {
  async send(
    f: OutboundFetch,
    e: VendorEndpoints,
    s: SmsSettings,
    m: { mobile: string; params: Record<string, string>; outId: string },
  ): Promise<SendResult> {
    if (s.provider === 'aliyun')
      return aliyun(
        f,
        e.aliyunSms,
        {
          Action: 'SendSms',
          PhoneNumbers: m.mobile,
          SignName: s.signName,
          TemplateCode: s.templateCode,
          TemplateParam: JSON.stringify(m.params),
          OutId: m.outId,
        },
        'BizId',
      )
    const r = await tencent(f, e.tencentSms, 'SendSms', {
      PhoneNumberSet: [m.mobile],
      SmsSdkAppId: s.sdkAppId,
      SignName: s.signName,
      TemplateId: s.templateCode,
      TemplateParamSet: Object.values(m.params),
      SessionContext: m.outId,
    })
    const set = (r.SendStatusSet as { SerialNo?: string; Code?: string; Message?: string }[] | undefined)?.[0]
    if (set?.Code === 'Ok') return { ok: true, providerId: set.SerialNo ?? '', answer: 'Ok' }
    const code = set?.Code ?? (r.Error as { Code?: string } | undefined)?.Code ?? 'error'
    return failed(code, set?.Message ?? '', code === 'network', /LimitExceeded/.test(code))
  },
  parseReport(provider: SmsProvider, body: unknown): ProviderReport[] {
    const rows = Array.isArray(body) ? (body as Record<string, unknown>[]) : []
    return rows.map((r) =>
      provider === 'aliyun'
        ? {
            channel: 'sms' as const,
            provider,
            providerId: str(r.biz_id),
            mobile: r.phone_number as string | undefined,
            delivered: r.success === true || r.success === 'true',
            at: str(r.report_time),
            code: r.err_code as string | undefined,
          }
        : {
            channel: 'sms' as const,
            provider,
            providerId: str(r.sid),
            mobile: r.mobile as string | undefined,
            delivered: r.report_status === 'SUCCESS',
            at: str(r.user_receive_time),
            code: r.errmsg as string | undefined,
          },
    )
  },
}

export const voice = {
  async call(
    f: OutboundFetch,
    e: VendorEndpoints,
    s: VoiceSettings,
    m: { mobile: string; params: Record<string, string>; outId: string },
  ): Promise<SendResult> {
    if (s.provider === 'aliyun')
      return aliyun(
        f,
        e.aliyunVms,
        {
          Action: 'SingleCallByTts',
          CalledNumber: m.mobile,
          CalledShowNumber: s.calledShowNumber ?? '',
          TtsCode: s.templateCode,
          TtsParam: JSON.stringify(m.params),
          OutId: m.outId,
        },
        'CallId',
      )
    const r = await tencent(f, e.tencentVms, 'SendTtsVoice', {
      TemplateId: s.templateCode,
      TemplateParamSet: Object.values(m.params),
      CalledNumber: m.mobile,
      VoiceSdkAppid: s.sdkAppId,
      SessionContext: m.outId,
    })
    const callId = (r.SendStatus as { CallId?: string } | undefined)?.CallId
    if (callId) return { ok: true, providerId: callId, answer: 'Ok' }
    const code = (r.Error as { Code?: string } | undefined)?.Code ?? 'error'
    return failed(code, '', code === 'network', /LimitExceeded|FrequencyLimit/.test(code))
  },
  parseReport(provider: VoiceProvider, body: unknown): ProviderReport[] {
    if (provider === 'aliyun') {
      const rows = Array.isArray(body) ? (body as Record<string, unknown>[]) : []
      return rows.map((r) => ({
        channel: 'voice' as const,
        provider,
        providerId: str(r.call_id),
        mobile: r.callee as string | undefined,
        answered: r.status_code === '200000',
        ...(typeof r.dtmf === 'string' && r.dtmf ? { keyPressed: r.dtmf } : {}),
        at: str(r.end_time ?? r.start_time),
        code: r.status_code as string | undefined,
      }))
    }
    const b = (body ?? {}) as Record<string, Record<string, unknown> | undefined>
    const k = b.voicekey_callback
    if (k)
      return [{ channel: 'voice', provider, providerId: str(k.callid), keyPressed: str(k.keypress), at: '' }]
    const s = b.voice_status_callback
    if (s)
      return [{ channel: 'voice', provider, providerId: str(s.callid), answered: s.status === '0', at: '' }]
    return []
  },
}
