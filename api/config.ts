import path from 'node:path'
import { z } from 'zod'

/** Push services of the major browsers (Chrome/FCM, Firefox/Mozilla autopush, Safari/Apple, Edge/WNS). */
export const DEFAULT_PUSH_HOSTS = [
  'fcm.googleapis.com',
  'android.googleapis.com',
  'updates.push.services.mozilla.com',
  'web.push.apple.com',
  'api.push.apple.com',
  '*.notify.windows.com',
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
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  XINLIAN_SECRET_KEY: z.string().optional(),
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
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent'
  /** 64 hex characters: AES-256-GCM key for secrets at rest (workflows/runtime/platform/secret-box.ts). */
  readonly secretKey: string | undefined
}

/** Parse the environment once at boot into a frozen object; fail fast with a human message (house style 11). */
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
    logLevel: e.LOG_LEVEL,
    secretKey: e.XINLIAN_SECRET_KEY || undefined,
  })
}
