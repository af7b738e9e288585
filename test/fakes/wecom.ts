/**
 * A fake WeCom server API (qyapi.weixin.qq.com) for msw or the loopback HTTPS server. It checks
 * what WeCom checks, written from WeCom's documentation and not from the production client:
 * corp id and secret on `gettoken`; a known, unexpired access_token on every call (42001 when
 * expired, 40014 when unknown); the message body (agentid, touser, the template card's required
 * fields and limits, the textcard's fields); `update_template_card` consuming a response_code that
 * a callback or a button card's send handed out (single use); `auth/getuserinfo` consuming an OAuth code. It records every
 * request and can be told to answer with a rate-limit or busy errcode.
 *
 * `wecomCallback` builds a signed, AES-encrypted callback as WeCom would push it, with WeCom's own
 * npm package (@wecom/crypto), so the production decryptor is checked against another implementation.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { encrypt as wecomEncrypt, getSignature } from '@wecom/crypto'
import { http, HttpResponse, type HttpHandler } from 'msw'

export interface WecomCorp {
  corpId: string
  agentId: number
  secret: string
  callbackToken: string
  callbackAesKey: string
}

/** A corp with random credentials (a 43-character EncodingAESKey, as WeCom generates). */
export function fakeCorp(over: Partial<WecomCorp> = {}): WecomCorp {
  return {
    corpId: `ww${randomBytes(8).toString('hex')}`,
    agentId: 1000002,
    secret: randomBytes(24).toString('base64url'),
    callbackToken: randomBytes(12).toString('hex'),
    callbackAesKey: randomBytes(32).toString('base64').slice(0, 43),
    ...over,
  }
}

export interface SeenWecom {
  method: string
  path: string
  query: Record<string, string>
  body: any
}

interface Token {
  value: string
  expiresAt: number
}

const json = (body: Record<string, unknown>) => HttpResponse.json(body as never)
const err = (errcode: number, errmsg: string) => json({ errcode, errmsg })

export function wecomFake(corp: WecomCorp, base = 'https://qyapi.weixin.qq.com') {
  const seen: SeenWecom[] = []
  const tokens = new Map<string, Token>()
  const responseCodes = new Map<string, { used: boolean }>()
  const oauthCodes = new Map<string, string>()
  /** errcodes to answer the next message/update calls with, in order (then normal service). */
  const queued: number[] = []
  let rateLimited = false
  let tokenCalls = 0

  async function record(request: Request): Promise<SeenWecom> {
    const url = new URL(request.url)
    const text = request.method === 'GET' ? '' : await request.text()
    let body: unknown = text
    try {
      body = text ? JSON.parse(text) : undefined
    } catch {
      /* kept as text */
    }
    const s: SeenWecom = {
      method: request.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body,
    }
    seen.push(s)
    return s
  }

  /** null when the token is good, else WeCom's answer. */
  function tokenProblem(query: Record<string, string>) {
    const t = query.access_token ? tokens.get(query.access_token) : undefined
    if (!query.access_token) return err(41001, 'access_token missing')
    if (!t) return err(40014, 'invalid access_token')
    if (t.expiresAt <= Date.now()) return err(42001, 'access_token expired')
    return null
  }

  function injected() {
    const code = queued.shift()
    if (code !== undefined) return err(code, `fake errcode ${code}`)
    if (rateLimited) return err(45033, 'api concurrent out of limit')
    return null
  }

  function checkMessage(b: any): string | null {
    if (!b || typeof b !== 'object') return 'body'
    if (b.agentid !== corp.agentId) return 'agentid'
    if (typeof b.touser !== 'string' || b.touser === '') return 'touser'
    if (b.msgtype === 'textcard') {
      const c = b.textcard
      if (!c || !c.title || !c.description || !c.url) return 'textcard'
      if (Buffer.byteLength(c.title) > 128 || Buffer.byteLength(c.description) > 512) return 'textcard.length'
      return null
    }
    if (b.msgtype !== 'template_card') return 'msgtype'
    const c = b.template_card
    if (!c || c.card_type !== 'button_interaction') return 'template_card.card_type'
    if (!c.main_title?.title && !c.sub_title_text) return 'template_card.main_title'
    if (typeof c.task_id !== 'string' || !/^[A-Za-z0-9_\-@]{1,128}$/.test(c.task_id))
      return 'template_card.task_id'
    if (!Array.isArray(c.button_list) || c.button_list.length < 1 || c.button_list.length > 6)
      return 'template_card.button_list'
    for (const btn of c.button_list) if (!btn.text || !btn.key) return 'template_card.button_list.key'
    if (new Set(c.button_list.map((x: any) => x.key)).size !== c.button_list.length)
      return 'template_card.button_list.key'
    if (c.horizontal_content_list !== undefined) {
      if (!Array.isArray(c.horizontal_content_list) || c.horizontal_content_list.length > 6)
        return 'template_card.horizontal_content_list'
      for (const row of c.horizontal_content_list)
        if (!row.keyname) return 'template_card.horizontal_content_list'
    }
    if (
      c.card_action !== undefined &&
      c.card_action.type === 1 &&
      !/^https?:\/\//.test(c.card_action.url ?? '')
    )
      return 'template_card.card_action.url'
    return null
  }

  const handlers: HttpHandler[] = [
    http.get(`${base}/cgi-bin/gettoken`, async ({ request }) => {
      const s = await record(request)
      tokenCalls++
      if (s.query.corpid !== corp.corpId) return err(40013, 'invalid corpid')
      if (s.query.corpsecret !== corp.secret) return err(40001, 'invalid credential')
      const value = randomBytes(32).toString('base64url')
      tokens.set(value, { value, expiresAt: Date.now() + 7200_000 })
      return json({ errcode: 0, errmsg: 'ok', access_token: value, expires_in: 7200 })
    }),
    http.post(`${base}/cgi-bin/message/send`, async ({ request }) => {
      const s = await record(request)
      const bad = tokenProblem(s.query) ?? injected()
      if (bad) return bad
      const field = checkMessage(s.body)
      if (field) return err(40058, `invalid parameter: ${field}`)
      // A button card's answer carries the response_code that updates it later (one use, 72 h).
      const card: Record<string, string> = {}
      if (s.body.msgtype === 'template_card') {
        card.response_code = randomBytes(16).toString('hex')
        responseCodes.set(card.response_code, { used: false })
      }
      return json({
        errcode: 0,
        errmsg: 'ok',
        ...card,
        invaliduser: (s.body.touser as string)
          .split('|')
          .filter((u) => u.startsWith('nobody'))
          .join('|'),
        msgid: randomUUID(),
      })
    }),
    http.post(`${base}/cgi-bin/message/update_template_card`, async ({ request }) => {
      const s = await record(request)
      const bad = tokenProblem(s.query) ?? injected()
      if (bad) return bad
      const b = s.body
      if (b?.agentid !== corp.agentId) return err(40058, 'invalid parameter: agentid')
      if (!Array.isArray(b.userids) || b.userids.length === 0) return err(40058, 'invalid parameter: userids')
      if (!b.button?.replace_name) return err(40058, 'invalid parameter: button.replace_name')
      const rc = responseCodes.get(b.response_code)
      if (!rc || rc.used) return err(40058, 'invalid parameter: response_code')
      rc.used = true
      return json({ errcode: 0, errmsg: 'ok', invaliduser: [] })
    }),
    http.get(`${base}/cgi-bin/auth/getuserinfo`, async ({ request }) => {
      const s = await record(request)
      const bad = tokenProblem(s.query)
      if (bad) return bad
      const user = oauthCodes.get(s.query.code ?? '')
      if (!user) return err(40029, 'invalid code')
      oauthCodes.delete(s.query.code!)
      if (user.startsWith('external:')) return json({ errcode: 0, errmsg: 'ok', openid: user.slice(9) })
      return json({ errcode: 0, errmsg: 'ok', userid: user, user_ticket: randomUUID() })
    }),
  ]

  return {
    handlers,
    seen,
    /** requests to one API path, e.g. '/cgi-bin/message/send' */
    calls: (path: string) => seen.filter((s) => s.path === path),
    get tokenCalls() {
      return tokenCalls
    },
    /** every issued token expires now: the next call gets 42001 */
    expireTokens() {
      for (const t of tokens.values()) t.expiresAt = 0
    },
    /** answer the next message/update calls with these errcodes, in order */
    failNext(...errcodes: number[]) {
      queued.push(...errcodes)
    },
    /** answer every message/update call with 45033 until turned off */
    rateLimit(on = true) {
      rateLimited = on
    },
    /** an OAuth code that `auth/getuserinfo` resolves once to this user (`external:<openid>` for a non-member) */
    oauthCode(userId: string): string {
      const code = randomBytes(16).toString('hex')
      oauthCodes.set(code, userId)
      return code
    },
    /** register a response_code as handed out by a callback (wecomCallback does this for card events) */
    issueResponseCode(code = randomBytes(16).toString('hex')): string {
      responseCodes.set(code, { used: false })
      return code
    },
  }
}

export type WecomFake = ReturnType<typeof wecomFake>

const cdata = (v: string | number) => (typeof v === 'number' ? String(v) : `<![CDATA[${v}]]>`)
const toXml = (fields: Record<string, string | number>) =>
  `<xml>${Object.entries(fields)
    .map(([k, v]) => `<${k}>${cdata(v)}</${k}>`)
    .join('')}</xml>`

export interface CardPress {
  fromUser: string
  taskId: string
  eventKey: string
  responseCode?: string
  createTime?: number
  agentId?: number
}

export type Tamper = 'signature' | 'ciphertext' | 'corp' | 'token' | 'none'

/** The plaintext XML of a template-card button press, as WeCom documents it. */
export function cardEventXml(corp: WecomCorp, p: CardPress & { responseCode: string }): string {
  return toXml({
    ToUserName: corp.corpId,
    FromUserName: p.fromUser,
    CreateTime: p.createTime ?? Math.floor(Date.now() / 1000),
    MsgType: 'event',
    Event: 'template_card_event',
    EventKey: p.eventKey,
    TaskId: p.taskId,
    CardType: 'button_interaction',
    ResponseCode: p.responseCode,
    AgentID: p.agentId ?? corp.agentId,
  })
}

/**
 * A callback POST as WeCom sends it: query {msg_signature, timestamp, nonce} and the outer XML
 * with ToUserName, Encrypt and AgentID. `tamper` breaks one thing a verifier must notice.
 */
export function wecomCallback(
  corp: WecomCorp,
  plainXml: string,
  tamper: Tamper = 'none',
): { query: { msg_signature: string; timestamp: string; nonce: string }; body: string } {
  const receiveId = tamper === 'corp' ? `ww${randomBytes(8).toString('hex')}` : corp.corpId
  let encrypted = wecomEncrypt(corp.callbackAesKey, plainXml, receiveId)
  const timestamp = String(Math.floor(Date.now() / 1000))
  const nonce = String(randomBytes(4).readUInt32BE(0))
  const token = tamper === 'token' ? 'not-the-token' : corp.callbackToken
  let msg_signature = getSignature(token, timestamp, nonce, encrypted)
  if (tamper === 'signature') msg_signature = msg_signature.replace(/^./, (c) => (c === '0' ? '1' : '0'))
  if (tamper === 'ciphertext') {
    // flip one bit of the first block: the signature was computed over the original text
    const bytes = Buffer.from(encrypted, 'base64')
    bytes[0] = bytes[0]! ^ 1
    encrypted = bytes.toString('base64')
  }
  const body = `<xml><ToUserName><![CDATA[${corp.corpId}]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt><AgentID><![CDATA[${corp.agentId}]]></AgentID></xml>`
  return { query: { msg_signature, timestamp, nonce }, body }
}

/** A card press callback whose response_code the fake will accept once for update_template_card. */
export function cardPressCallback(fake: WecomFake, corp: WecomCorp, p: CardPress, tamper: Tamper = 'none') {
  const responseCode = p.responseCode ?? fake.issueResponseCode()
  return { responseCode, ...wecomCallback(corp, cardEventXml(corp, { ...p, responseCode }), tamper) }
}

/** The GET WeCom sends when the callback URL is saved: echostr is an encrypted random string. */
export function wecomUrlCheck(
  corp: WecomCorp,
  echo = String(randomBytes(8).readBigUInt64BE(0)),
  tamper: Tamper = 'none',
) {
  const echostr = wecomEncrypt(corp.callbackAesKey, echo, tamper === 'corp' ? 'wwother' : corp.corpId)
  const timestamp = String(Math.floor(Date.now() / 1000))
  const nonce = String(randomBytes(4).readUInt32BE(0))
  let msg_signature = getSignature(corp.callbackToken, timestamp, nonce, echostr)
  if (tamper === 'signature') msg_signature = msg_signature.replace(/^./, (c) => (c === '0' ? '1' : '0'))
  return { echo, query: { msg_signature, timestamp, nonce, echostr } }
}

/**
 * WeCom's web authorization page (open.weixin.qq.com/connect/oauth2/authorize), as its
 * "构造网页授权链接" documentation describes it: `appid` is the corp id, `redirect_uri` must lie on
 * the app's trusted domain (可信域名), `response_type=code`, `scope=snsapi_base` (or
 * snsapi_privateinfo, which needs `agentid`), `state` at most 128 bytes of a-zA-Z0-9, `agentid`
 * the app's, and the `#wechat_redirect` fragment (checked when the caller still has it — a
 * browser never sends a fragment). The member signed in to this WeCom client is `member`
 * (`external:<openid>` for someone outside the corp); the answer is the redirect WeCom makes,
 * `redirect_uri?code=CODE&state=STATE`, with a code that the fake's `auth/getuserinfo` resolves once.
 */
export function wecomAuthorize(
  fake: WecomFake,
  corp: WecomCorp,
  opts: { trustedDomain: string; member: string; base?: string },
) {
  const base = opts.base ?? 'https://open.weixin.qq.com'
  return (href: string): { ok: true; location: string } | { ok: false; error: string } => {
    const url = new URL(href)
    if (url.origin !== new URL(base).origin || url.pathname !== '/connect/oauth2/authorize')
      return { ok: false, error: 'path' }
    if (url.hash !== '' && url.hash !== '#wechat_redirect') return { ok: false, error: 'wechat_redirect' }
    const q = url.searchParams
    if (q.get('appid') !== corp.corpId) return { ok: false, error: 'appid' }
    if (q.get('response_type') !== 'code') return { ok: false, error: 'response_type' }
    const scope = q.get('scope')
    if (scope !== 'snsapi_base' && scope !== 'snsapi_privateinfo') return { ok: false, error: 'scope' }
    const agentid = q.get('agentid')
    if (agentid !== null && agentid !== String(corp.agentId)) return { ok: false, error: 'agentid' }
    if (scope === 'snsapi_privateinfo' && agentid === null) return { ok: false, error: 'agentid' }
    const state = q.get('state') ?? ''
    if (!/^[a-zA-Z0-9]{0,128}$/.test(state)) return { ok: false, error: 'state' }
    let redirect: URL
    try {
      redirect = new URL(q.get('redirect_uri') ?? '')
    } catch {
      return { ok: false, error: 'redirect_uri' }
    }
    if (redirect.host !== opts.trustedDomain) return { ok: false, error: 'redirect_uri' }
    redirect.searchParams.set('code', fake.oauthCode(opts.member))
    redirect.searchParams.set('state', state)
    return { ok: true, location: redirect.toString() }
  }
}
