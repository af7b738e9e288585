/**
 * WeCom server API (企业微信 服务端API) over the guarded fetch: `gettoken` → access_token cached
 * for its `expires_in` less a margin, and refreshed and retried once when WeCom says the token
 * is expired or invalid; `message/send` (template_card of the button-interaction kind, textcard);
 * `message/update_template_card`; `auth/getuserinfo` for the in-app browser's OAuth sign-in.
 */
import { createHash } from 'node:crypto'
import { addSeconds } from 'date-fns/addSeconds'
import { subMinutes } from 'date-fns/subMinutes'
import { problem } from '../../../core/problem.ts'
import type { OutboundFetch, SendResult, VendorEndpoints, WecomButtonCard, WecomSettings } from '../vendor.ts'
import { classify, vendorFailure } from './errors.ts'
import { answerText, readJson, unreachable } from './outbound.ts'

/** Refresh this many minutes before WeCom's own expiry, so a token never expires between check and use. */
const TOKEN_MARGIN_MINUTES = 5

/** task_id: up to 128 bytes of digits, letters and "_-@" (WeCom's template card rules). */
const TASK_ID = /^[A-Za-z0-9_\-@]{1,128}$/

export interface TokenCache {
  get(key: string, nowMs: number): string | undefined
  set(key: string, token: string, expiresAtMs: number): void
  delete(key: string): void
  /** one gettoken in flight per key, shared by concurrent sends */
  inflight: Map<string, Promise<TokenAnswer>>
}

type TokenAnswer = { ok: true; token: string } | { ok: false; result: SendResult }
type Fetched = { ok: true; token: string; expiresAtMs: number } | { ok: false; result: SendResult }

export function createTokenCache(): TokenCache {
  const entries = new Map<string, { token: string; expiresAtMs: number }>()
  return {
    get: (key, nowMs) => {
      const e = entries.get(key)
      return e && e.expiresAtMs > nowMs ? e.token : undefined
    },
    set: (key, token, expiresAtMs) => void entries.set(key, { token, expiresAtMs }),
    delete: (key) => void entries.delete(key),
    inflight: new Map(),
  }
}

/** Per corp and secret (a changed secret must not reuse the old token); the secret only as a hash. */
function cacheKey(s: WecomSettings): string {
  return `${s.corpId}:${createHash('sha256').update(s.secret).digest('hex').slice(0, 16)}`
}

interface WecomAnswer {
  errcode?: number
  errmsg?: string
  [k: string]: unknown
}

const failure = (errcode: number, text: string): SendResult => vendorFailure('wecom', errcode, text)

async function fetchToken(
  fetch: OutboundFetch,
  endpoints: VendorEndpoints,
  s: WecomSettings,
): Promise<Fetched> {
  const url = new URL(`${endpoints.wecomApiBase}/cgi-bin/gettoken`)
  url.searchParams.set('corpid', s.corpId)
  url.searchParams.set('corpsecret', s.secret)
  let res: Response
  try {
    res = await fetch(url.toString(), { method: 'GET' })
  } catch (e) {
    return { ok: false, result: unreachable(e) }
  }
  const body = await readJson(res, [s.secret])
  if (!body.ok) return body
  const j = body.json as WecomAnswer & { access_token?: unknown; expires_in?: unknown }
  if (j.errcode === 0 && typeof j.access_token === 'string' && j.access_token) {
    const expiresIn = typeof j.expires_in === 'number' && j.expires_in > 0 ? j.expires_in : 7200
    return {
      ok: true,
      token: j.access_token,
      expiresAtMs: subMinutes(addSeconds(new Date(), expiresIn), TOKEN_MARGIN_MINUTES).getTime(),
    }
  }
  // A wrong corp id or secret (40013, 40001) will not heal by retrying; only "busy" will.
  return { ok: false, result: failure(typeof j.errcode === 'number' ? j.errcode : -2, body.text) }
}

async function token(
  fetch: OutboundFetch,
  endpoints: VendorEndpoints,
  s: WecomSettings,
  cache: TokenCache,
  fresh: boolean,
): Promise<TokenAnswer> {
  const key = cacheKey(s)
  if (!fresh) {
    const t = cache.get(key, Date.now())
    if (t) return { ok: true, token: t }
  } else cache.delete(key)
  let pending = cache.inflight.get(key)
  if (!pending) {
    pending = fetchToken(fetch, endpoints, s).then((a): TokenAnswer => {
      if (!a.ok) return a
      cache.set(key, a.token, a.expiresAtMs)
      return { ok: true, token: a.token }
    })
    const p = pending
    cache.inflight.set(key, p)
    void p.finally(() => {
      if (cache.inflight.get(key) === p) cache.inflight.delete(key)
    })
  }
  return pending
}

type Call = (accessToken: string) => Promise<Response>

/** Run a call with a token; on a token errcode get a fresh token and retry exactly once. */
async function withToken(
  fetch: OutboundFetch,
  endpoints: VendorEndpoints,
  s: WecomSettings,
  cache: TokenCache,
  call: Call,
): Promise<{ ok: true; json: WecomAnswer; text: string } | { ok: false; result: SendResult }> {
  for (let attempt = 0; ; attempt++) {
    const t = await token(fetch, endpoints, s, cache, attempt > 0)
    if (!t.ok) return t
    let res: Response
    try {
      res = await call(t.token)
    } catch (e) {
      return { ok: false, result: unreachable(e) }
    }
    const body = await readJson(res, [s.secret, t.token])
    if (!body.ok) return body
    const j = body.json as WecomAnswer
    const code = typeof j.errcode === 'number' ? j.errcode : 0
    if (classify('wecom', code) === 'token') {
      if (attempt === 0) continue
      // Refreshed once already: report it, worth another try later.
      return { ok: false, result: { ...vendorFailure('wecom', code, body.text), retryable: true } }
    }
    return { ok: true, json: j, text: body.text }
  }
}

/** POST a JSON payload to a WeCom API path with the access token (refreshed once if WeCom asks). */
function postWithToken(
  fetch: OutboundFetch,
  endpoints: VendorEndpoints,
  settings: WecomSettings,
  tokenCache: TokenCache,
  path: string,
  payload: unknown,
) {
  return withToken(fetch, endpoints, settings, tokenCache, (accessToken) =>
    fetch(`${endpoints.wecomApiBase}${path}?access_token=${encodeURIComponent(accessToken)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    }),
  )
}

const errcodeOf = (json: WecomAnswer) => (typeof json.errcode === 'number' ? json.errcode : -2)

/** `message/send` of one message type (`template_card`, `textcard`) to the listed members. */
async function sendMessage(
  fetch: OutboundFetch,
  endpoints: VendorEndpoints,
  settings: WecomSettings,
  tokenCache: TokenCache,
  toUsers: string[],
  msgtype: 'template_card' | 'textcard',
  content: unknown,
): Promise<SendResult> {
  const payload = { touser: toUsers.join('|'), msgtype, agentid: settings.agentId, [msgtype]: content }
  const r = await postWithToken(fetch, endpoints, settings, tokenCache, '/cgi-bin/message/send', payload)
  if (!r.ok) return r.result
  const { json, text } = r
  const code = errcodeOf(json)
  if (code !== 0) return failure(code, text)
  // errcode 0 with every recipient listed as invalid: nobody got it (not a member, or outside the app's scope).
  const invalid = typeof json.invaliduser === 'string' && json.invaliduser ? json.invaliduser.split('|') : []
  if (toUsers.length > 0 && toUsers.every((u) => invalid.includes(u)))
    return { ok: false, code: 'invaliduser', answer: answerText(text), retryable: false, rateLimited: false }
  return {
    ok: true,
    providerId: typeof json.msgid === 'string' ? json.msgid : '',
    answer: answerText(text),
    // Only button cards get one (WeCom's message/send answer).
    ...(typeof json.response_code === 'string' && json.response_code
      ? { cardResponseCode: json.response_code }
      : {}),
  }
}

function invalidRequest(field: string): SendResult {
  return { ok: false, code: 'invalid_request', answer: field, retryable: false, rateLimited: false }
}

export async function sendButtonCard(
  fetch: OutboundFetch,
  endpoints: VendorEndpoints,
  settings: WecomSettings,
  tokenCache: TokenCache,
  { toUsers, card }: { toUsers: string[]; card: WecomButtonCard },
): Promise<SendResult> {
  if (toUsers.length === 0) return invalidRequest('toUsers')
  if (!TASK_ID.test(card.taskId)) return invalidRequest('card.taskId')
  if (card.buttons.length < 1 || card.buttons.length > 6) return invalidRequest('card.buttons')
  if (card.rows.length > 6) return invalidRequest('card.rows')
  return sendMessage(fetch, endpoints, settings, tokenCache, toUsers, 'template_card', {
    card_type: 'button_interaction',
    main_title: { title: card.title, desc: card.description },
    horizontal_content_list: card.rows.map((r) => ({ keyname: r.key, value: r.value })),
    card_action: { type: 1, url: card.url },
    task_id: card.taskId,
    button_list: card.buttons.map((b) => ({ text: b.text, style: b.style ?? 1, key: b.key })),
  })
}

export async function sendTextCard(
  fetch: OutboundFetch,
  endpoints: VendorEndpoints,
  settings: WecomSettings,
  tokenCache: TokenCache,
  {
    toUsers,
    title,
    description,
    url,
  }: { toUsers: string[]; title: string; description: string; url: string },
): Promise<SendResult> {
  if (toUsers.length === 0) return invalidRequest('toUsers')
  return sendMessage(fetch, endpoints, settings, tokenCache, toUsers, 'textcard', { title, description, url })
}

/** Replace the pressed card's buttons with one disabled label for the listed recipients. */
export async function updateCard(
  fetch: OutboundFetch,
  endpoints: VendorEndpoints,
  settings: WecomSettings,
  tokenCache: TokenCache,
  { userIds, responseCode, replaceName }: { userIds: string[]; responseCode: string; replaceName: string },
): Promise<SendResult> {
  if (userIds.length === 0) return invalidRequest('userIds')
  if (!responseCode) return invalidRequest('responseCode')
  const r = await postWithToken(
    fetch,
    endpoints,
    settings,
    tokenCache,
    '/cgi-bin/message/update_template_card',
    {
      userids: userIds,
      agentid: settings.agentId,
      response_code: responseCode,
      button: { replace_name: replaceName },
    },
  )
  if (!r.ok) return r.result
  const code = errcodeOf(r.json)
  return code === 0
    ? { ok: true, providerId: responseCode, answer: answerText(r.text) }
    : failure(code, r.text)
}

/**
 * The WeCom user id behind an OAuth code of the app's web authorization, or null when the code is
 * invalid or used (40029) or the visitor is not a member of the corp (only openid comes back).
 * Throws `unavailable` when WeCom cannot be asked (network, configuration, busy), so the sign-in
 * page can say "try again" rather than "not a member".
 */
export async function getUserIdByOAuthCode(
  fetch: OutboundFetch,
  endpoints: VendorEndpoints,
  settings: WecomSettings,
  tokenCache: TokenCache,
  code: string,
): Promise<string | null> {
  if (!code) return null
  const r = await withToken(fetch, endpoints, settings, tokenCache, (accessToken) => {
    const url = new URL(`${endpoints.wecomApiBase}/cgi-bin/auth/getuserinfo`)
    url.searchParams.set('access_token', accessToken)
    url.searchParams.set('code', code)
    return fetch(url.toString(), { method: 'GET' })
  })
  // No answer about the code (network, refused host, wrong secret, token trouble): the sign-in
  // cannot decide who this is, which is not the same as "not a member".
  if (!r.ok) throw problem('unavailable')
  if (r.json.errcode !== 0) {
    if (r.json.errcode !== undefined && classify('wecom', r.json.errcode) === 'retryable')
      throw problem('unavailable')
    return null
  }
  // auth/getuserinfo answers `userid`; the older user/getuserinfo answered `UserId`.
  const id = r.json.userid ?? r.json.UserId
  return typeof id === 'string' && id ? id : null
}
