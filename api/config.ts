import path from 'node:path'
import { z } from 'zod'
import { DEFAULT_CPC_PLATFORM_URL } from '../workflows/runtime/registry/cpc-client.ts'
import type { VendorEndpoints } from '../workflows/runtime/channels/vendor.ts'
import { endpointsFromEnv } from '../workflows/runtime/channels/vendors/index.ts'

/** Push services of the major browsers (Chrome/FCM, Firefox/Mozilla autopush, Safari/Apple, Edge/WNS). */
export const DEFAULT_PUSH_HOSTS = [
  'fcm.googleapis.com',
  'android.googleapis.com',
  'updates.push.services.mozilla.com',
  'web.push.apple.com',
  'api.push.apple.com',
  '*.notify.windows.com',
] as const

/** The vendors' public API hosts (docs/alert-channels.md); a private gateway is added by CHANNEL_ALLOWED_HOSTS. */
export const DEFAULT_CHANNEL_HOSTS = [
  'qyapi.weixin.qq.com',
  'dysmsapi.aliyuncs.com',
  'dyvmsapi.aliyuncs.com',
  'sms.tencentcloudapi.com',
  'vms.tencentcloudapi.com',
] as const

const Env = z.object({
  DATABASE_URL: z.url().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_URL: z.url().optional(),
  XINLIAN_DATA_DIR: z.string().optional(),
  XINLIAN_DEMO: z.enum(['0', '1']).optional(),
  SESSION_TTL_HOURS: z.coerce
    .number()
    .positive()
    .default(24 * 14),
  VAPID_PUBLIC_KEY: z.string().optional(),
  VAPID_PRIVATE_KEY: z.string().optional(),
  VAPID_SUBJECT: z.string().optional(),
  PUSH_ALLOWED_HOSTS: z.string().optional(),
  CPC_PLATFORM_URL: z.url().optional(),
  XINLIAN_SECRET_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, '64 hex characters (openssl rand -hex 32)')
    .optional(),
  CHANNEL_ALLOWED_HOSTS: z.string().optional(),
  WECOM_API_BASE: z.url().optional(),
  /** WeCom's web authorization page (the browser goes there, not the server). */
  WECOM_OAUTH_BASE: z.url().optional(),
  ALIYUN_SMS_ENDPOINT: z.url().optional(),
  ALIYUN_VMS_ENDPOINT: z.url().optional(),
  TENCENT_SMS_ENDPOINT: z.url().optional(),
  TENCENT_VMS_ENDPOINT: z.url().optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  XINLIAN_TRUST_PROXY: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9-]+$/, 'a header name, e.g. x-forwarded-for')
    .optional(),
  XINLIAN_TRUST_PROXY_HOPS: z.coerce.number().int().min(1).max(10).default(1),
  XINLIAN_STREAM_RECHECK_SECONDS: z.coerce.number().positive().max(3600).default(30),
})

export interface Config {
  readonly databaseUrl: string | undefined
  readonly port: number
  readonly host: string
  readonly publicUrl: string
  readonly dataDir: string
  /** Seed the demo network: true/false when asked explicitly, undefined = decide (embedded + empty DB only). */
  readonly demo: boolean | undefined
  readonly sessionTtlMs: number
  readonly vapid: { publicKey: string; privateKey: string; subject: string } | undefined
  readonly vapidSubject: string
  readonly pushAllowedHosts: readonly string[]
  /** XINLIAN_SECRET_KEY: seals channel secrets at rest; required once any channel is configured. */
  readonly secretKey: string | undefined
  readonly channelAllowedHosts: readonly string[]
  readonly vendorEndpoints: VendorEndpoints
  /** WECOM_OAUTH_BASE, default https://open.weixin.qq.com (api/routes/wecom-oauth.ts). */
  readonly wecomOAuthBase: string
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent'
  /** The national chest-pain-center data platform (docs/registry-platform.md). */
  readonly cpcPlatformUrl: string
  /** The header a trusted reverse proxy sets with the client's address, and how many proxies append to it. */
  readonly trustProxy: { header: string; hops: number } | undefined
  /** How often an open live stream re-checks its session (a deactivated user's stream ends). */
  readonly streamRecheckSeconds: number
}

/** Parse the environment once at boot into a frozen object; fail fast with a human message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new Error(
      `Configuration error in ${issue?.path.join('.') ?? 'environment'}: ${issue?.message ?? ''}`,
    )
  }
  const e = parsed.data
  if (Boolean(e.VAPID_PUBLIC_KEY) !== Boolean(e.VAPID_PRIVATE_KEY)) {
    throw new Error('Configuration error: set both VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY, or neither')
  }
  const port = e.PORT
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/$/, '')
  const vapidSubject = e.VAPID_SUBJECT ?? 'mailto:it@xinlian.invalid'
  return Object.freeze({
    databaseUrl: e.DATABASE_URL,
    port,
    host: e.HOST,
    publicUrl,
    dataDir: path.resolve(e.XINLIAN_DATA_DIR ?? '.data'),
    demo: e.XINLIAN_DEMO === undefined ? undefined : e.XINLIAN_DEMO === '1',
    sessionTtlMs: e.SESSION_TTL_HOURS * 3600_000,
    vapid:
      e.VAPID_PUBLIC_KEY && e.VAPID_PRIVATE_KEY
        ? { publicKey: e.VAPID_PUBLIC_KEY, privateKey: e.VAPID_PRIVATE_KEY, subject: vapidSubject }
        : undefined,
    vapidSubject,
    pushAllowedHosts: Object.freeze(
      e.PUSH_ALLOWED_HOSTS
        ? e.PUSH_ALLOWED_HOSTS.split(',')
            .map((h) => h.trim().toLowerCase())
            .filter(Boolean)
        : [...DEFAULT_PUSH_HOSTS],
    ),
    channelAllowedHosts: Object.freeze(
      e.CHANNEL_ALLOWED_HOSTS
        ? e.CHANNEL_ALLOWED_HOSTS.split(',')
            .map((h) => h.trim().toLowerCase())
            .filter(Boolean)
        : [...DEFAULT_CHANNEL_HOSTS],
    ),
    vendorEndpoints: Object.freeze(
      endpointsFromEnv({
        WECOM_API_BASE: e.WECOM_API_BASE,
        ALIYUN_SMS_ENDPOINT: e.ALIYUN_SMS_ENDPOINT,
        ALIYUN_VMS_ENDPOINT: e.ALIYUN_VMS_ENDPOINT,
        TENCENT_SMS_ENDPOINT: e.TENCENT_SMS_ENDPOINT,
        TENCENT_VMS_ENDPOINT: e.TENCENT_VMS_ENDPOINT,
      }),
    ),
    wecomOAuthBase: (e.WECOM_OAUTH_BASE ?? 'https://open.weixin.qq.com').replace(/\/$/, ''),
    logLevel: e.LOG_LEVEL,
    cpcPlatformUrl: e.CPC_PLATFORM_URL ?? DEFAULT_CPC_PLATFORM_URL,
    secretKey: e.XINLIAN_SECRET_KEY,
    trustProxy: e.XINLIAN_TRUST_PROXY
      ? Object.freeze({ header: e.XINLIAN_TRUST_PROXY, hops: e.XINLIAN_TRUST_PROXY_HOPS })
      : undefined,
    streamRecheckSeconds: e.XINLIAN_STREAM_RECHECK_SECONDS,
  })
}
