/**
 * Per-network vendor settings (docs/alert-channels.md). Secrets are sealed with the secret box
 * before they reach the table and opened only here, for a send; the API sees `config` (ids,
 * sign name, template codes) and, per secret, whether it is set and its last 4 characters.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { Q } from '../platform/connect.ts'
import type { SecretBox } from '../platform/secret-box.ts'
import type { SmsSettings, VoiceSettings, WecomSettings } from './vendor.ts'

export type ConfigurableChannel = 'wecom' | 'sms' | 'voice'
export const CONFIGURABLE_CHANNELS: readonly ConfigurableChannel[] = ['wecom', 'sms', 'voice']

export interface NetworkChannels {
  wecom?: WecomSettings
  sms?: SmsSettings
  voice?: VoiceSettings
}

/** Which fields of each channel are secrets (sealed; never returned). */
export const SECRET_FIELDS: Record<ConfigurableChannel, readonly string[]> = {
  wecom: ['secret', 'callbackAesKey', 'callbackToken'],
  sms: ['accessKeySecret'],
  voice: ['accessKeySecret'],
}

interface Row {
  channel: ConfigurableChannel
  provider: string
  config: Record<string, unknown>
  secrets: string
  secretHints: Record<string, { set: boolean; last4: string | null }>
  callbackToken: string
  updatedAt: Date
}

async function rowsOf(q: Q, networkId: string): Promise<Row[]> {
  return q<Row[]>`
    select channel, provider, config, secrets, secret_hints as "secretHints",
           callback_token as "callbackToken", updated_at as "updatedAt"
      from channel_settings where network_id = ${networkId}`
}

/** Whether any network has channels configured (then XINLIAN_SECRET_KEY is required at start-up). */
export async function anyChannelConfigured(q: Q): Promise<boolean> {
  const [r] = await q<{ n: number }[]>`select count(*)::int as n from channel_settings`
  return (r?.n ?? 0) > 0
}

/** The network's settings with secrets opened (for sending). No box → nothing can be opened. */
export async function loadChannels(q: Q, box: SecretBox | null, networkId: string): Promise<NetworkChannels> {
  if (!box) return {}
  const out: NetworkChannels = {}
  for (const r of await rowsOf(q, networkId)) {
    const secrets = JSON.parse(box.open(r.secrets)) as Record<string, string>
    const all = { ...r.config, ...secrets, provider: r.provider }
    if (r.channel === 'wecom') out.wecom = all as unknown as WecomSettings
    else if (r.channel === 'sms') out.sms = all as unknown as SmsSettings
    else out.voice = all as unknown as VoiceSettings
  }
  return out
}

/** Settings without secrets, as the admin API shows them. */
export async function publicChannels(q: Q, networkId: string) {
  return (await rowsOf(q, networkId)).map((r) => ({
    channel: r.channel,
    provider: r.provider,
    config: r.config,
    secrets: r.secretHints,
    updatedAt: r.updatedAt.toISOString(),
  }))
}

const hint = (v: string | undefined) => ({ set: !!v, last4: v ? v.slice(-4) : null })

/**
 * Store a channel's settings: `secrets` missing from the input keep their stored value (an admin
 * edits a sign name without retyping the key). The callback token is made once per channel.
 * Returns the names of secrets still missing (the caller refuses the save then).
 */
export async function saveChannel(
  q: Q,
  box: SecretBox,
  s: {
    networkId: string
    channel: ConfigurableChannel
    provider: string
    config: Record<string, unknown>
    secrets: Record<string, string | undefined>
    by: string
  },
): Promise<string[]> {
  const [old] = await q<Pick<Row, 'secrets' | 'callbackToken'>[]>`
    select secrets, callback_token as "callbackToken" from channel_settings
     where network_id = ${s.networkId} and channel = ${s.channel} for update`
  const previous = old ? (JSON.parse(box.open(old.secrets)) as Record<string, string>) : {}
  const merged: Record<string, string> = {}
  for (const k of SECRET_FIELDS[s.channel]) {
    const v = s.secrets[k] ?? previous[k]
    if (v) merged[k] = v
  }
  const missing = SECRET_FIELDS[s.channel].filter((k) => !merged[k])
  if (missing.length) return missing
  const hints = Object.fromEntries(SECRET_FIELDS[s.channel].map((k) => [k, hint(merged[k])]))
  const token = old?.callbackToken ?? box.seal(randomBytes(24).toString('base64url'))
  await q`
    insert into channel_settings (network_id, channel, provider, config, secrets, secret_hints, callback_token, updated_by)
    values (${s.networkId}, ${s.channel}, ${s.provider}, ${q.json(s.config as never)}, ${box.seal(JSON.stringify(merged))},
            ${q.json(hints)}, ${token}, ${s.by})
    on conflict (network_id, channel) do update
       set provider = excluded.provider, config = excluded.config, secrets = excluded.secrets,
           secret_hints = excluded.secret_hints, updated_at = now(), updated_by = excluded.updated_by`
  return []
}

/** The unguessable path token of a channel's provider callbacks (shown to the admin in callbackUrls). */
export async function callbackTokenOf(
  q: Q,
  box: SecretBox | null,
  networkId: string,
  channel: ConfigurableChannel,
): Promise<string | null> {
  if (!box) return null
  const [r] = await q<{ token: string }[]>`
    select callback_token as token from channel_settings where network_id = ${networkId} and channel = ${channel}`
  return r ? box.open(r.token) : null
}

/** Constant-time comparison of a presented callback token. */
export function sameToken(presented: string, expected: string | null): boolean {
  if (!expected) return false
  const a = Buffer.from(presented)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}
