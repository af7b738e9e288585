/**
 * Signing in inside WeCom's in-app browser (docs/alert-channels.md, "Signing in inside WeCom";
 * docs/security.md). That browser has no service worker and no Push API, and it holds no Xinlian
 * session; what it does have is WeCom's web authorization, which hands the page a one-time
 * `code` naming the WeCom member who opened it.
 *
 *   card 查看 → GET /api/auth/wecom/:networkId/start?case=<id>
 *     → a server-stored state (single use, 5 minutes, bound to the network and the case, and to
 *       this browser by a cookie) → 302 open.weixin.qq.com/connect/oauth2/authorize
 *     → WeCom → GET /api/auth/wecom/callback?code&state
 *     → auth/getuserinfo (the server asks WeCom who the code belongs to)
 *     → an active cardiologist of THAT network with that wecomUserId → a normal session → the consult page.
 *
 * The link itself carries nothing secret: without WeCom vouching for a member of the network's
 * corp, no session is made. The network's two-factor policy applies as to a password sign-in:
 * WeCom stands in for the password only, and a second factor, when due, is asked on the page.
 */
import type { Context } from 'hono'
import { Hono } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { z } from 'zod'
import { problem, statusOf, type ProblemCode } from '../../workflows/core/problem.ts'
import { render } from '../../workflows/core/messages/index.ts'
import { activeUser } from '../../workflows/runtime/channels/acknowledge.ts'
import { loadChannels } from '../../workflows/runtime/channels/settings.ts'
import { getUserIdByOAuthCode } from '../../workflows/runtime/channels/vendors/wecom-api.ts'
import { log } from '../../workflows/runtime/platform/log.ts'
import { audit } from '../../workflows/runtime/store/audit.ts'
import { loadPolicy, mfaCovers } from '../../workflows/runtime/security/policy.ts'
import {
  createChallenge,
  deviceUser,
  dropChallenge,
  mfaOf,
  takeChallengeAttempt,
} from '../../workflows/runtime/security/mfa-store.ts'
import { findUserForLogin, usernameOf } from '../../workflows/runtime/store/users.ts'
import { readJson } from '../http/validate.ts'
import { takeThrottle } from '../../workflows/runtime/store/throttle.ts'
import {
  caseInNetwork,
  createOAuthState,
  userIdByWecomId,
  STATE_SHAPE,
  STATE_TTL_SECONDS,
  takeOAuthState,
} from '../../workflows/runtime/security/wecom-oauth-store.ts'
import { toProblem } from '../http/problem-response.ts'
import { clientAddress, DEVICE_COOKIE, deviceOf, openSession, startSession } from '../http/sign-in.ts'
import type { AppEnv } from '../http/env.ts'
import { op, uuidParams, type Operation } from '../http/contract.ts'
import { SessionAnswer } from './auth.ts'

/** Ties the state to the browser that started the flow, so a callback URL sent to someone else signs nobody in. */
export const STATE_COOKIE = 'xl_wecom_state'
const COOKIE_PATH = '/api/auth/wecom'
export const CALLBACK_PATH = '/api/auth/wecom/callback'

/** WeCom's codes are at most 512 bytes (its web authorization documentation). */
const Code = z.string().min(1).max(512)
const Id = z.uuid()
const RememberedDevice = z.strictObject({ challenge: z.string().min(1).max(100) })

/**
 * Card-link opens per client address and per network, per window (kept in Postgres, shared by
 * every process, as for the one-time codes in api/routes/redeem.ts). Each open writes a
 * `wecom_oauth_states` row that lives STATE_TTL_SECONDS, so the network's limit over that window
 * bounds the table however many addresses ask; a physician opens a few cards an hour.
 */
export const WECOM_START_LIMITS = {
  perAddress: { limit: 30, windowSeconds: STATE_TTL_SECONDS },
  perNetwork: { limit: 300, windowSeconds: STATE_TTL_SECONDS },
} as const

const escape = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)

/**
 * A browser navigation, not an API call: the refusal is a small page in both languages (from the
 * catalogue) with the problem's status, and a way to sign in with a password instead.
 */
function refusal(c: Context<AppEnv>, code: ProblemCode, retryAfterSeconds?: number) {
  if (retryAfterSeconds !== undefined) c.header('Retry-After', String(retryAfterSeconds))
  const zh = render('zh-CN', `problem.${code}` as 'problem.forbidden')
  const en = render('en', `problem.${code}` as 'problem.forbidden')
  c.header('Cache-Control', 'no-store')
  return c.html(
    `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
      `<title>${escape(render('zh-CN', 'wecom.signin.title'))}</title>` +
      `<main data-problem="${escape(code)}"><h1>${escape(render('zh-CN', 'wecom.signin.title'))}</h1>` +
      `<p>${escape(zh)}</p><p lang="en">${escape(en)}</p>` +
      `<p><a href="/login">${escape(render('zh-CN', 'wecom.signin.password'))}</a></p></main></html>`,
    statusOf(code) as 400,
  )
}

export const wecomOAuthRoutes = new Hono<AppEnv>()
  .get('/:networkId/start', async (c) => {
    const networkId = Id.safeParse(c.req.param('networkId'))
    const caseId = Id.safeParse(c.req.query('case'))
    if (!networkId.success || !caseId.success) return refusal(c, 'not_found')
    const { sql, channels, config } = c.var.deps
    // The address first, before any lookup; the network's only once it is one with WeCom (its
    // key then names a real network, so strangers cannot grow the throttle table by inventing ids).
    const byAddress = await takeThrottle(
      sql,
      `wecom-start:addr:${clientAddress(c)}`,
      WECOM_START_LIMITS.perAddress.limit,
      WECOM_START_LIMITS.perAddress.windowSeconds,
    )
    if (!byAddress.allowed) return refusal(c, 'too_many_requests', byAddress.retryAfterSeconds)
    const settings = (await loadChannels(sql, channels.box, networkId.data)).wecom
    if (!settings) return refusal(c, 'not_found')
    if (!(await caseInNetwork(sql, networkId.data, caseId.data))) return refusal(c, 'not_found')
    const byNetwork = await takeThrottle(
      sql,
      `wecom-start:net:${networkId.data}`,
      WECOM_START_LIMITS.perNetwork.limit,
      WECOM_START_LIMITS.perNetwork.windowSeconds,
    )
    if (!byNetwork.allowed) return refusal(c, 'too_many_requests', byNetwork.retryAfterSeconds)
    const state = await createOAuthState(sql, networkId.data, `/consults/${caseId.data}`)
    setCookie(c, STATE_COOKIE, state, {
      httpOnly: true,
      // Lax, not Strict: the cookie must come back on WeCom's top-level redirect to the callback.
      sameSite: 'Lax',
      secure: config.publicUrl.startsWith('https://'),
      path: COOKIE_PATH,
      maxAge: STATE_TTL_SECONDS,
    })
    // Parameter order and the #wechat_redirect fragment as WeCom's "构造网页授权链接" documents them.
    const q = new URLSearchParams({
      appid: settings.corpId,
      redirect_uri: `${config.publicUrl}${CALLBACK_PATH}`,
      response_type: 'code',
      scope: 'snsapi_base',
      state,
      agentid: String(settings.agentId),
    })
    c.header('Cache-Control', 'no-store')
    return c.redirect(
      `${config.wecomOAuthBase}/connect/oauth2/authorize?${q.toString()}#wechat_redirect`,
      302,
    )
  })
  .get('/callback', async (c) => {
    const { sql, channels } = c.var.deps
    const state = c.req.query('state') ?? ''
    const code = Code.safeParse(c.req.query('code'))
    const mine = getCookie(c, STATE_COOKIE)
    deleteCookie(c, STATE_COOKIE, { path: COOKIE_PATH })
    // A state this browser did not start, or one that is stale, used or unknown: nothing happens.
    if (!STATE_SHAPE.test(state) || mine !== state) return refusal(c, 'wecom_sign_in_expired')
    const taken = await takeOAuthState(sql, state)
    if (!taken) return refusal(c, 'wecom_sign_in_expired')
    const { networkId, nextPath } = taken
    if (!code.success) return refusal(c, 'wecom_sign_in_refused')
    const settings = (await loadChannels(sql, channels.box, networkId)).wecom
    if (!settings) return refusal(c, 'not_found')

    let wecomUserId: string | null
    try {
      wecomUserId = await getUserIdByOAuthCode(
        channels.fetch,
        channels.endpoints,
        settings,
        channels.tokens,
        code.data,
      )
    } catch (e) {
      // WeCom could not be asked (network, busy, credentials): "try again", not "not a member".
      if (toProblem(e)?.code !== 'unavailable') throw e
      log.warn('wecom sign-in: WeCom could not be asked', { networkId })
      return refusal(c, 'unavailable')
    }
    const device = deviceOf(c)
    const user = wecomUserId ? await activeUser(sql, networkId, { wecomUserId }) : undefined
    if (!user || !user.roles.includes('cardiologist')) {
      const known = wecomUserId ? await userIdByWecomId(sql, networkId, wecomUserId) : undefined
      if (known)
        await audit(
          sql,
          { networkId, userId: known, device },
          {
            action: 'auth.wecom_refused',
            entity: 'user',
            entityId: known,
            after: { reason: user ? 'not_cardiologist' : 'inactive', address: clientAddress(c) },
          },
        )
      else log.warn('wecom sign-in refused', { networkId, reason: wecomUserId ? 'unmapped' : 'not_member' })
      return refusal(c, 'wecom_sign_in_refused')
    }

    // The network's two-factor policy, as for the password (docs/security.md).
    const mfa = await mfaOf(sql, user.id)
    const enrolled = Boolean(mfa?.confirmedAt)
    const needed =
      enrolled || (mfaCovers(user.roles) && (await loadPolicy(sql, user.networkId)).mfa === 'required')
    c.header('Cache-Control', 'no-store')
    if (needed) {
      const challenge = await createChallenge(sql, user.id, device)
      await audit(
        sql,
        { networkId, userId: user.id, device },
        {
          action: 'auth.wecom_second_factor',
          entity: 'user',
          entityId: user.id,
          after: { enrol: !enrolled, address: clientAddress(c) },
        },
      )
      // In the fragment: never sent to a server, never in a Referer; the page takes it and clears it.
      return c.redirect(`${nextPath}#wecom-mfa=${challenge}&enrol=${enrolled ? 0 : 1}`, 302)
    }
    await startSession(c, user, { device, remembered: false, via: 'wecom' })
    return c.redirect(nextPath, 302)
  })
  // A device remembered after a second factor passes it here too, as it does after a password.
  // Its cookie (SameSite=Strict) is not sent on WeCom's cross-site redirect, so the consult page
  // asks with a same-origin request before showing the code form.
  .post('/remembered-device', async (c) => {
    const { challenge } = await readJson(c, RememberedDevice)
    const { sql } = c.var.deps
    const pending = await takeChallengeAttempt(sql, challenge)
    if (!pending) throw problem('mfa_invalid', 'challenge')
    const token = getCookie(c, DEVICE_COOKIE)
    if (!token || (await deviceUser(sql, token)) !== pending.userId) throw problem('mfa_invalid', 'device')
    const name = await usernameOf(sql, pending.userId)
    const full = name === undefined ? undefined : await findUserForLogin(sql, name)
    if (!full?.active) throw problem('mfa_invalid', 'challenge')
    await dropChallenge(sql, challenge)
    return openSession(c, full, { device: pending.device, remembered: true, via: 'wecom+remembered_device' })
  })

export const wecomOAuthContract: Operation[] = [
  op({
    method: 'GET',
    path: '/api/auth/wecom/:networkId/start',
    summary: "A WeCom card's link: starts WeCom's web authorization (302) with a single-use state",
    roles: 'public (the card link; no access by itself)',
    params: uuidParams('networkId'),
    query: z.object({ case: z.uuid() }),
    status: 302,
    produces: 'text/html',
  }),
  op({
    method: 'GET',
    path: '/api/auth/wecom/callback',
    summary:
      "WeCom's redirect back: the state and the code → a session and the consult page (302), or a refusal page",
    roles: 'public (the state and WeCom code)',
    query: z.object({ state: z.string(), code: z.string().optional() }),
    status: 302,
    produces: 'text/html',
  }),
  op({
    method: 'POST',
    path: '/api/auth/wecom/remembered-device',
    summary: 'Complete a WeCom sign-in with a device remembered after an earlier second factor',
    roles: 'public (sign-in challenge + remembered-device cookie)',
    body: RememberedDevice,
    response: SessionAnswer,
  }),
]
