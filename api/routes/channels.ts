/**
 * `/api/channels` — what the vendors call back (docs/alert-channels.md). No session: WeCom's
 * callbacks are authenticated by WeCom's message signature and AES encryption with the network's
 * callback token and key; SMS/voice reports by the unguessable per-network token in the path
 * (Aliyun and Tencent sign none of these pushes). A callback that cannot be authenticated is
 * refused and changes nothing; a replayed one is a no-op. The answer of a handled callback is
 * what each vendor expects, whatever happened to the event (WeCom retries otherwise).
 */
import { Hono } from 'hono'
import { z } from 'zod'
import {
  applyProviderReport,
  cardRecipients,
  dropCardCode,
  firstTimeCallback,
  takeOtherCards,
} from '../../workflows/runtime/store/channel-attempts.ts'
import { problem } from '../../workflows/core/problem.ts'
import { render } from '../../workflows/core/messages/index.ts'
import { activeUser, actOnAlert } from '../../workflows/runtime/channels/acknowledge.ts'
import { alertOfTaskId } from '../../workflows/runtime/channels/dispatch.ts'
import { callbackTokenOf, loadChannels, sameToken } from '../../workflows/runtime/channels/settings.ts'
import type { ProviderReport } from '../../workflows/runtime/channels/vendor.ts'
import { sms, voice, wecom } from '../../workflows/runtime/channels/vendors/index.ts'
import { log } from '../../workflows/runtime/platform/log.ts'
import type { AppEnv } from '../http/env.ts'
import { op, uuidParams, type Operation } from '../http/contract.ts'

const NetworkId = z.uuid()

const hhmm = (t: number) =>
  new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(t)

export const channelRoutes = new Hono<AppEnv>()
  // WeCom URL verification: echo the decrypted echostr, only when the signature is WeCom's.
  .get('/wecom/:networkId/callback', async (c) => {
    const networkId = c.req.param('networkId')
    if (!NetworkId.safeParse(networkId).success) throw problem('not_found')
    const { sql, channels } = c.var.deps
    const settings = (await loadChannels(sql, channels.box, networkId)).wecom
    if (!settings) throw problem('not_found')
    try {
      return c.text(
        wecom.verifyUrl(settings, c.req.query() as unknown as Parameters<typeof wecom.verifyUrl>[1]),
      )
    } catch {
      throw problem('forbidden')
    }
  })
  .post('/wecom/:networkId/callback', async (c) => {
    const networkId = c.req.param('networkId')
    if (!NetworkId.safeParse(networkId).success) throw problem('not_found')
    const { sql, channels, rt } = c.var.deps
    const settings = (await loadChannels(sql, channels.box, networkId)).wecom
    if (!settings) throw problem('not_found')
    const body = await c.req.text()
    let event
    try {
      event = wecom.openCallback(
        settings,
        c.req.query() as unknown as Parameters<typeof wecom.openCallback>[1],
        body,
      )
    } catch {
      throw problem('forbidden')
    }
    if (event.kind !== 'template_card_event') return c.text('success')
    const replayKey = `wecom:${event.fromUser}:${event.createTime}:${event.taskId}:${event.eventKey}`
    if (!(await firstTimeCallback(sql, networkId, replayKey))) return c.text('success')
    const task = alertOfTaskId(event.taskId)
    const action = event.eventKey === 'approve' ? 'approve' : event.eventKey === 'ack' ? 'acknowledge' : null
    if (!task || !action) return c.text('success')
    // The WeCom user must map to an active Xinlian user of this very network.
    const user = await activeUser(sql, networkId, { wecomUserId: event.fromUser })
    if (!user) {
      log.warn('wecom callback from an unmapped user', { networkId })
      return c.text('success')
    }
    const outcome = await actOnAlert(rt, user, task.alertId, action, 'wecom')
    if (!outcome.recorded) {
      log.warn('wecom callback changed nothing', { networkId, reason: outcome.reason })
      return c.text('success')
    }
    // Show the outcome on the card of everyone the card went to.
    const replaceName = render(
      'zh-CN',
      action === 'approve' ? 'channel.card.done.approve' : 'channel.card.done.ack',
      {
        name: user.displayName.split(' ')[0] ?? user.displayName,
        time: hhmm(outcome.at),
      },
    )
    const recipients = await cardRecipients(sql, task.alertId, task.step)
    await dropCardCode(sql, task)
    const r = await wecom.updateCard(channels.fetch, channels.endpoints, settings, channels.tokens, {
      userIds: recipients,
      responseCode: event.responseCode,
      replaceName,
    })
    if (!r.ok) log.warn('wecom card update failed', { networkId, code: r.code })
    // And on every other card of the case (the second-line's, everyone's), each with the
    // response_code its own send returned: nobody else acts on a consult already answered.
    for (const card of await takeOtherCards(sql, task)) {
      const o = await wecom.updateCard(channels.fetch, channels.endpoints, settings, channels.tokens, {
        userIds: card.userIds,
        responseCode: card.responseCode,
        replaceName,
      })
      if (!o.ok) log.warn('wecom card update failed', { networkId, code: o.code })
    }
    return c.text('success')
  })
  // SMS delivery reports and voice call results / key presses.
  .post('/:channel/:provider/:networkId/callback/:token', async (c) => {
    const { channel, provider, networkId, token } = c.req.param()
    if (
      (channel !== 'sms' && channel !== 'voice') ||
      (provider !== 'aliyun' && provider !== 'tencent') ||
      !NetworkId.safeParse(networkId).success
    )
      throw problem('not_found')
    const { sql, channels } = c.var.deps
    // Unknown network, unconfigured channel and wrong token all answer the same 404.
    if (!sameToken(token, await callbackTokenOf(sql, channels.box, networkId, channel)))
      throw problem('not_found')
    const body: unknown = await c.req.json().catch(() => null)
    const reports: ProviderReport[] =
      channel === 'sms' ? sms.parseReport(provider, body) : voice.parseReport(provider, body)
    for (const report of reports) await recordReport(c.var.deps, networkId, report)
    return provider === 'aliyun' ? c.json({ code: 0, msg: '成功' }) : c.json({ result: 0, errmsg: 'OK' })
  })

async function recordReport(deps: AppEnv['Variables']['deps'], networkId: string, r: ProviderReport) {
  if (!r.providerId) return
  const { sql, rt } = deps
  const a = await applyProviderReport(sql, networkId, r)
  if (!a) return
  // Key 1 is an acknowledgement by the person who was called (docs/alert-channels.md).
  if (r.channel === 'voice' && r.keyPressed === '1') {
    const user = await activeUser(sql, networkId, { id: a.userId })
    if (user) await actOnAlert(rt, user, a.alertId, 'acknowledge', 'voice')
  }
}

const networkParam = uuidParams('networkId')
const WecomSignature = z.object({ msg_signature: z.string(), timestamp: z.string(), nonce: z.string() })
export const channelsContract: Operation[] = [
  op({
    method: 'GET',
    path: '/api/channels/wecom/:networkId/callback',
    summary: "WeCom callback URL verification: the decrypted echostr, by WeCom's signature",
    roles: 'public (WeCom signature)',
    params: networkParam,
    query: WecomSignature.extend({ echostr: z.string() }),
    produces: 'text/plain',
  }),
  op({
    method: 'POST',
    path: '/api/channels/wecom/:networkId/callback',
    summary: 'WeCom card button events (signed, AES-encrypted): 接诊 / 批准溶栓 by the mapped cardiologist',
    roles: 'public (WeCom signature)',
    params: networkParam,
    query: WecomSignature,
    bodyContent: { type: 'text/xml', schema: z.string().describe('<xml>…<Encrypt>…</Encrypt></xml>') },
    produces: 'text/plain',
  }),
  op({
    method: 'POST',
    path: '/api/channels/:channel/:provider/:networkId/callback/:token',
    summary: 'SMS delivery reports, voice call results and key presses (key 1 = acknowledgement)',
    roles: 'public (per-network token in the path)',
    params: z.object({
      channel: z.enum(['sms', 'voice']),
      provider: z.enum(['aliyun', 'tencent']),
      networkId: z.uuid(),
      token: z.string(),
    }),
    body: z.unknown().describe("the vendor's report JSON (Aliyun: an array; Tencent: an object)"),
    response: z.union([
      z.object({ code: z.literal(0), msg: z.string() }),
      z.object({ result: z.literal(0), errmsg: z.string() }),
    ]),
  }),
]
