/**
 * `/api/admin/channels` and `/api/admin/ladders` — the network's alert channels (docs/alert-channels.md).
 * Secrets are sealed at rest and never answered: GET shows whether each is set and its last
 * 4 characters, and the callback URLs the admin registers with each vendor. The audit row of
 * a change names the fields changed, never their secret values.
 */
import { createHash, randomInt, randomUUID, timingSafeEqual } from 'node:crypto'
import { addMinutes } from 'date-fns/addMinutes'
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import {
  ALERT_KINDS,
  checkLadder,
  DEFAULT_LADDERS,
  ladderFor,
  LadderInput,
  ladderToInput,
} from '../../workflows/core/index.ts'
import { problem } from '../../workflows/core/problem.ts'
import { addressOf, type ChannelDeps } from '../../workflows/runtime/channels/dispatch.ts'
import {
  callbackTokenOf,
  loadChannels,
  publicChannels,
  saveChannel,
  SECRET_FIELDS,
  type ConfigurableChannel,
} from '../../workflows/runtime/channels/settings.ts'
import { render } from '../../workflows/core/messages/index.ts'
import type { SendResult } from '../../workflows/runtime/channels/vendor.ts'
import { sms, voice, wecom } from '../../workflows/runtime/channels/vendors/index.ts'
import { inTx } from '../../workflows/runtime/store/admin.ts'
import { audit } from '../../workflows/runtime/store/audit.ts'
import { contactOfUser } from '../../workflows/runtime/store/channel-attempts.ts'
import { setContact } from '../../workflows/runtime/store/admin-users.ts'
import { resetLadder, saveLadder } from '../../workflows/runtime/store/ladders.ts'
import type { Sql } from '../../workflows/runtime/platform/connect.ts'
import type { AppEnv } from '../http/env.ts'
import { op, IsoTime, type Operation } from '../http/contract.ts'
import { readJson } from '../http/validate.ts'

const secret = z.string().trim().min(1).max(512)
const id = z.string().trim().min(1).max(128)

const Wecom = z.strictObject({
  corpId: id,
  agentId: z.number().int().positive(),
  secret: secret.optional(),
  callbackToken: secret.optional(),
  // WeCom's EncodingAESKey: 43 characters of base64 without the padding.
  callbackAesKey: z
    .string()
    .regex(/^[A-Za-z0-9+/]{43}$/, '43 characters (WeCom EncodingAESKey)')
    .optional(),
})
const provider = z.enum(['aliyun', 'tencent'])
const Sms = z.strictObject({
  provider,
  accessKeyId: id.optional(),
  secretId: id.optional(),
  accessKeySecret: secret.optional(),
  secretKey: secret.optional(),
  signName: z.string().trim().min(1).max(32),
  templateCode: id,
  sdkAppId: id.optional(),
  verifyTemplateCode: id.optional(),
})
const Voice = z.strictObject({
  provider,
  accessKeyId: id.optional(),
  secretId: id.optional(),
  accessKeySecret: secret.optional(),
  secretKey: secret.optional(),
  templateCode: id.optional(),
  templateId: id.optional(),
  calledShowNumber: z
    .string()
    .regex(/^\+?[0-9]{5,20}$/)
    .optional(),
  sdkAppId: id.optional(),
})

function callbackUrls(
  publicUrl: string,
  networkId: string,
  tokens: Partial<Record<ConfigurableChannel, string | null>>,
  providers: Partial<Record<ConfigurableChannel, string>>,
) {
  const out: Record<string, string> = { wecom: `${publicUrl}/api/channels/wecom/${networkId}/callback` }
  out.wecomOauth = `${publicUrl}/api/channels/wecom/${networkId}/oauth/callback`
  for (const ch of ['sms', 'voice'] as const)
    if (tokens[ch] && providers[ch])
      out[ch] = `${publicUrl}/api/channels/${ch}/${providers[ch]}/${networkId}/callback/${tokens[ch]}`
  return out
}

async function saveAndAudit(
  c: Context<AppEnv>,
  channel: ConfigurableChannel,
  providerName: string,
  config: Record<string, unknown>,
  secrets: Record<string, string | undefined>,
) {
  const { sql, channels } = c.var.deps
  if (!channels.box) throw problem('channel_secret_key_missing')
  const box = channels.box
  const actor = c.var.ctx
  await inTx(sql, async (tx) => {
    const missing = await saveChannel(tx, box, {
      networkId: actor.networkId,
      channel,
      provider: providerName,
      config,
      secrets,
      by: actor.userId,
    })
    if (missing.length) throw problem('invalid', missing[0])
    await audit(tx, actor, {
      action: `channel.${channel}.update`,
      entity: 'channel',
      entityId: null,
      before: null,
      // What changed, never the secrets themselves.
      after: {
        provider: providerName,
        config,
        secretsChanged: Object.keys(secrets).filter((k) => secrets[k]),
      },
    })
  })
  return c.json(await channelView(sql, channels, actor.networkId))
}

async function channelView(sql: Sql, channels: ChannelDeps, networkId: string) {
  const rows = await publicChannels(sql, networkId)
  const tokens: Partial<Record<ConfigurableChannel, string | null>> = {}
  const providers: Partial<Record<ConfigurableChannel, string>> = {}
  for (const r of rows) {
    tokens[r.channel] = await callbackTokenOf(sql, channels.box, networkId, r.channel)
    providers[r.channel] = r.provider
  }
  const by = Object.fromEntries(rows.map((r) => [r.channel, r]))
  return {
    secretKeySet: channels.box !== null,
    wecom: by.wecom ?? null,
    sms: by.sms ?? null,
    voice: by.voice ?? null,
    callbackUrls: callbackUrls(channels.publicUrl, networkId, tokens, providers),
  }
}

const TestBody = z.strictObject({ userId: z.uuid() })
const ConfirmBody = z.strictObject({
  userId: z.uuid(),
  challenge: z.string().min(1).max(2000),
  code: z
    .string()
    .trim()
    .regex(/^[0-9]{6}$/, '6 digits'),
})
const CODE_MINUTES = 10
/** What a mobile-code challenge holds, sealed: the browser carries it but cannot read or change it. */
interface Challenge {
  userId: string
  mobile: string
  codeHash: string
  expiresAt: string
}
const codeHash = (userId: string, code: string) =>
  createHash('sha256').update(`${userId}:${code}`).digest('hex')

export const channelAdminRoutes = new Hono<AppEnv>()
  .get('/', async (c) => c.json(await channelView(c.var.deps.sql, c.var.deps.channels, c.var.user.networkId)))
  .put('/wecom', async (c) => {
    const b = await readJson(c, Wecom)
    return saveAndAudit(
      c,
      'wecom',
      'wecom',
      { corpId: b.corpId, agentId: b.agentId },
      {
        secret: b.secret,
        callbackToken: b.callbackToken,
        callbackAesKey: b.callbackAesKey,
      },
    )
  })
  .put('/sms', async (c) => {
    const b = await readJson(c, Sms)
    const keyId = b.accessKeyId ?? b.secretId
    if (!keyId) throw problem('invalid', b.provider === 'aliyun' ? 'accessKeyId' : 'secretId')
    if (b.provider === 'tencent' && !b.sdkAppId) throw problem('invalid', 'sdkAppId')
    return saveAndAudit(
      c,
      'sms',
      b.provider,
      {
        accessKeyId: keyId,
        signName: b.signName,
        templateCode: b.templateCode,
        ...(b.sdkAppId ? { sdkAppId: b.sdkAppId } : {}),
        ...(b.verifyTemplateCode ? { verifyTemplateCode: b.verifyTemplateCode } : {}),
      },
      { accessKeySecret: b.accessKeySecret ?? b.secretKey },
    )
  })
  .put('/voice', async (c) => {
    const b = await readJson(c, Voice)
    const keyId = b.accessKeyId ?? b.secretId
    if (!keyId) throw problem('invalid', b.provider === 'aliyun' ? 'accessKeyId' : 'secretId')
    const templateCode = b.templateCode ?? b.templateId
    if (!templateCode) throw problem('invalid', b.provider === 'aliyun' ? 'templateCode' : 'templateId')
    if (b.provider === 'tencent' && !b.sdkAppId) throw problem('invalid', 'sdkAppId')
    return saveAndAudit(
      c,
      'voice',
      b.provider,
      {
        accessKeyId: keyId,
        templateCode,
        ...(b.calledShowNumber ? { calledShowNumber: b.calledShowNumber } : {}),
        ...(b.sdkAppId ? { sdkAppId: b.sdkAppId } : {}),
      },
      { accessKeySecret: b.accessKeySecret ?? b.secretKey },
    )
  })
  .post('/:channel/test', async (c) => {
    const channel = c.req.param('channel') as ConfigurableChannel
    if (!(channel in SECRET_FIELDS)) throw problem('not_found')
    const { userId } = await readJson(c, TestBody)
    const { sql, channels } = c.var.deps
    const networkId = c.var.user.networkId
    const settings = await loadChannels(sql, channels.box, networkId)
    if (!settings[channel]) throw problem('channel_not_configured', 'channel')
    const r = await contactOfUser(sql, networkId, userId)
    if (!r) throw problem('not_found', 'userId')
    const address = addressOf({ ...r, hasPush: false, cardiologist: false }, channel, settings)
    if (!address) throw problem('invalid', channel === 'wecom' ? 'wecomUserId' : 'mobile')
    const title = render('zh-CN', 'channel.test.title')
    const body = render('zh-CN', 'channel.test.body')
    let result: SendResult
    if (channel === 'wecom')
      result = await wecom.sendTextCard(
        channels.fetch,
        channels.endpoints,
        settings.wecom!,
        channels.tokens,
        {
          toUsers: [address],
          title,
          description: body,
          url: channels.publicUrl,
        },
      )
    else if (channel === 'sms')
      result = await sms.send(channels.fetch, channels.endpoints, settings.sms!, {
        mobile: address,
        params: { kind: title, facility: '', sex: '', age: '', minutes: '0', url: channels.publicUrl },
        outId: `test-${Date.now()}`,
      })
    else
      result = await voice.call(channels.fetch, channels.endpoints, settings.voice!, {
        mobile: address,
        params: { kind: title, facility: '', sex: '', age: '', minutes: '0' },
        outId: `test-${Date.now()}`,
      })
    return c.json(result.ok ? { ok: true, providerId: result.providerId } : { ok: false, code: result.code })
  })

/**
 * A mobile number verified by an SMS code: the code goes by SMS (the network's approved
 * verification template) to the number on file; the person reads it to the admin, who enters it.
 * No table: the challenge (person, number, hash of the code, expiry) is sealed with the secret
 * box and handed to the admin's browser, and checked when the code comes back. The code itself
 * is never logged, audited or answered.
 */
export const mobileCodeRoutes = new Hono<AppEnv>()
  .post('/send', async (c) => {
    const { userId } = await readJson(c, TestBody)
    const { sql, channels } = c.var.deps
    if (!channels.box) throw problem('channel_secret_key_missing')
    const networkId = c.var.ctx.networkId
    const settings = await loadChannels(sql, channels.box, networkId)
    if (!settings.sms?.verifyTemplateCode) throw problem('channel_not_configured', 'verifyTemplateCode')
    const r = await contactOfUser(sql, networkId, userId)
    if (!r) throw problem('not_found', 'userId')
    if (!r.mobile) throw problem('invalid', 'mobile')
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0')
    const expiresAt = addMinutes(new Date(), CODE_MINUTES).toISOString()
    const result = await sms.send(
      channels.fetch,
      channels.endpoints,
      { ...settings.sms, templateCode: settings.sms.verifyTemplateCode },
      { mobile: r.mobile, params: { code }, outId: `verify-${randomUUID()}` },
    )
    if (!result.ok) return c.json({ sent: false, code: result.code })
    const challenge: Challenge = { userId, mobile: r.mobile, codeHash: codeHash(userId, code), expiresAt }
    return c.json({ sent: true, challenge: channels.box.seal(JSON.stringify(challenge)), expiresAt })
  })
  .post('/confirm', async (c) => {
    const b = await readJson(c, ConfirmBody)
    const { sql, channels } = c.var.deps
    if (!channels.box) throw problem('channel_secret_key_missing')
    const box = channels.box
    const actor = c.var.ctx
    let ch: Challenge
    try {
      ch = JSON.parse(box.open(b.challenge)) as Challenge
    } catch {
      throw problem('mobile_code_invalid', 'challenge')
    }
    const r = await contactOfUser(sql, actor.networkId, b.userId)
    if (!r) throw problem('not_found', 'userId')
    const given = Buffer.from(codeHash(b.userId, b.code))
    const expected = Buffer.from(ch.codeHash)
    if (
      ch.userId !== b.userId ||
      ch.mobile !== r.mobile ||
      Date.parse(ch.expiresAt) <= Date.now() ||
      given.length !== expected.length ||
      !timingSafeEqual(given, expected)
    )
      throw problem('mobile_code_invalid', 'code')
    await inTx(sql, async (tx) => {
      await setContact(tx, b.userId, { mobileVerified: true })
      await audit(tx, actor, {
        action: 'user.mobile_verified',
        entity: 'user',
        entityId: b.userId,
        before: null,
        after: { via: 'sms_code' },
      })
    })
    return c.json({ verified: true })
  })

const LadderBody = z.strictObject({ kind: z.enum(ALERT_KINDS), steps: z.unknown() })

/** `GET|PUT /api/admin/ladders` — the network's escalation ladders, validated by the core. */
export const ladderAdminRoutes = new Hono<AppEnv>()
  .get('/', async (c) => {
    const network = await c.var.deps.rt.networks.get(c.var.deps.sql, c.var.user.networkId)
    const ladders = Object.fromEntries(
      ALERT_KINDS.map((k) => [
        k,
        {
          steps: ladderToInput(ladderFor(network.ladders, k)),
          custom: !!network.ladders?.[k],
          default: ladderToInput(DEFAULT_LADDERS[k]),
        },
      ]),
    )
    return c.json({ ladders })
  })
  .put('/', async (c) => {
    const b = await readJson(c, LadderBody)
    const checked = checkLadder(b.kind, b.steps)
    if (!checked.ok) throw problem('ladder_invalid', checked.field, { reason: checked.reason })
    const actor = c.var.ctx
    const steps = ladderToInput(checked.ladder)
    await inTx(c.var.deps.sql, async (tx) => {
      await saveLadder(tx, actor.networkId, b.kind, steps, actor.userId)
      await audit(tx, actor, {
        action: 'ladder.update',
        entity: 'ladder',
        entityId: null,
        before: null,
        after: { kind: b.kind, steps },
      })
    })
    c.var.deps.rt.networks.invalidate(actor.networkId)
    return c.json({ kind: b.kind, steps })
  })
  // Reset to the core default (DEFAULT_LADDERS): the network's own ladder for this kind is dropped.
  .delete('/:kind', async (c) => {
    const kind = z.enum(ALERT_KINDS).safeParse(c.req.param('kind'))
    if (!kind.success) throw problem('not_found', 'kind')
    const actor = c.var.ctx
    await inTx(c.var.deps.sql, async (tx) => {
      if (await resetLadder(tx, actor.networkId, kind.data))
        await audit(tx, actor, {
          action: 'ladder.reset',
          entity: 'ladder',
          entityId: null,
          before: null,
          after: { kind: kind.data },
        })
    })
    c.var.deps.rt.networks.invalidate(actor.networkId)
    return c.json({ kind: kind.data, steps: ladderToInput(DEFAULT_LADDERS[kind.data]) })
  })

const ChannelJson = z
  .object({
    channel: z.enum(['wecom', 'sms', 'voice']),
    provider: z.string(),
    config: z.record(z.string(), z.unknown()),
    secrets: z.record(z.string(), z.object({ set: z.boolean(), last4: z.string().nullable() })),
    updatedAt: IsoTime,
  })
  .nullable()
const ChannelView = z.object({
  secretKeySet: z.boolean(),
  wecom: ChannelJson,
  sms: ChannelJson,
  voice: ChannelJson,
  callbackUrls: z.object({
    wecom: z.string(),
    wecomOauth: z.string(),
    sms: z.string().optional(),
    voice: z.string().optional(),
  }),
})
const LadderSteps = LadderInput
export const adminChannelsContract: Operation[] = [
  op({
    method: 'GET',
    path: '/api/admin/channels',
    summary: 'Alert channels: set or not, last 4 of secrets, callback URLs',
    roles: 'admin',
    response: ChannelView,
  }),
  op({
    method: 'PUT',
    path: '/api/admin/channels/wecom',
    summary: 'Configure WeCom',
    roles: 'admin',
    body: Wecom,
    response: ChannelView,
  }),
  op({
    method: 'PUT',
    path: '/api/admin/channels/sms',
    summary: 'Configure SMS',
    roles: 'admin',
    body: Sms,
    response: ChannelView,
  }),
  op({
    method: 'PUT',
    path: '/api/admin/channels/voice',
    summary: 'Configure voice calls',
    roles: 'admin',
    body: Voice,
    response: ChannelView,
  }),
  op({
    method: 'POST',
    path: '/api/admin/channels/:channel/test',
    summary: 'Send a test message to a user on a channel',
    roles: 'admin',
    params: z.object({ channel: z.enum(['wecom', 'sms', 'voice']) }),
    body: TestBody,
    response: z.union([
      z.object({ ok: z.literal(true), providerId: z.string().nullable() }),
      z.object({ ok: z.literal(false), code: z.string() }),
    ]),
  }),
  op({
    method: 'GET',
    path: '/api/admin/ladders',
    summary: 'Escalation ladders (custom and default)',
    roles: 'admin',
    response: z.object({
      ladders: z.record(
        z.enum(ALERT_KINDS),
        z.object({ steps: LadderSteps, custom: z.boolean(), default: LadderSteps }),
      ),
    }),
  }),
  op({
    method: 'PUT',
    path: '/api/admin/ladders',
    summary: 'Replace the escalation ladder of an alert kind (validated by the core)',
    roles: 'admin',
    body: LadderBody,
    response: z.object({ kind: z.enum(ALERT_KINDS), steps: LadderSteps }),
  }),
  op({
    method: 'POST',
    path: '/api/admin/mobile-code/send',
    summary: "Send an SMS code to a person's mobile; answers a sealed challenge",
    roles: 'admin',
    body: TestBody,
    response: z.union([
      z.object({ sent: z.literal(true), challenge: z.string(), expiresAt: IsoTime }),
      z.object({ sent: z.literal(false), code: z.string() }),
    ]),
  }),
  op({
    method: 'POST',
    path: '/api/admin/mobile-code/confirm',
    summary: 'Verify the mobile with the code the person received',
    roles: 'admin',
    body: ConfirmBody,
    response: z.object({ verified: z.literal(true) }),
  }),
  op({
    method: 'DELETE',
    path: '/api/admin/ladders/:kind',
    summary: 'Reset the escalation ladder of an alert kind to the default',
    roles: 'admin',
    params: z.object({ kind: z.enum(ALERT_KINDS) }),
    response: z.object({ kind: z.enum(ALERT_KINDS), steps: LadderSteps }),
  }),
]
