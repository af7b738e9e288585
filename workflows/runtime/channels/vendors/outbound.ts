/**
 * The only way a vendor client reaches the network (docs/alert-channels.md): https only, to a
 * host on CHANNEL_ALLOWED_HOSTS, no redirects (a redirect could leave the list), a timeout.
 * Errors carry the host at most — never the URL, whose query holds access tokens and secrets.
 */
import { problem } from '../../../core/problem.ts'
import type { OutboundFetch, SendResult, VendorEndpoints } from '../vendor.ts'

const DEFAULT_TIMEOUT_MS = 10_000

/** The vendors' public API hosts; each can be replaced for tests and private gateways. */
export const DEFAULT_ENDPOINTS: VendorEndpoints = {
  wecomApiBase: 'https://qyapi.weixin.qq.com',
  aliyunSms: 'https://dysmsapi.aliyuncs.com',
  aliyunVms: 'https://dyvmsapi.aliyuncs.com',
  tencentSms: 'https://sms.tencentcloudapi.com',
  tencentVms: 'https://vms.tencentcloudapi.com',
}

const ENV_NAMES: Record<keyof VendorEndpoints, string> = {
  wecomApiBase: 'WECOM_API_BASE',
  aliyunSms: 'ALIYUN_SMS_ENDPOINT',
  aliyunVms: 'ALIYUN_VMS_ENDPOINT',
  tencentSms: 'TENCENT_SMS_ENDPOINT',
  tencentVms: 'TENCENT_VMS_ENDPOINT',
}

/** Read the vendor base URLs from the environment; a bad value is a boot error naming the variable. */
export function endpointsFromEnv(env: Record<string, string | undefined>): VendorEndpoints {
  const out = { ...DEFAULT_ENDPOINTS }
  for (const key of Object.keys(ENV_NAMES) as (keyof VendorEndpoints)[]) {
    const name = ENV_NAMES[key]
    const raw = env[name]?.trim()
    if (!raw) continue
    let url: URL
    try {
      url = new URL(raw)
    } catch {
      throw new Error(`${name} is not a URL (expected e.g. ${DEFAULT_ENDPOINTS[key]})`)
    }
    if (url.protocol !== 'https:') throw new Error(`${name} must be an https URL`)
    if (url.username || url.password || url.search || url.hash)
      throw new Error(`${name} must be a base URL without credentials, query or fragment`)
    out[key] = url.origin + url.pathname.replace(/\/+$/, '')
  }
  return out
}

/** `host` or `host:port` of every endpoint, the default CHANNEL_ALLOWED_HOSTS. */
export function defaultAllowedHosts(endpoints: VendorEndpoints): string[] {
  const bases = [
    endpoints.wecomApiBase,
    endpoints.aliyunSms,
    endpoints.aliyunVms,
    endpoints.tencentSms,
    endpoints.tencentVms,
  ]
  return [...new Set(bases.map((e) => new URL(e).host))]
}

/** Canonical `host[:port]` of an allow-list entry (as URL would print it; IPv6 bracketed). */
function canonicalEntry(entry: string): string | null {
  const e = entry.trim().toLowerCase()
  if (!e) return null
  if (e.startsWith('*.')) return e
  try {
    return new URL(`https://${e}`).host
  } catch {
    return null
  }
}

/**
 * Entries read like PUSH_ALLOWED_HOSTS: `host` allows that host (on any port), `*.example.com`
 * any subdomain; `host:port` pins the port, e.g. `127.0.0.1:8443` for a loopback fake. The
 * defaults (defaultAllowedHosts) are the endpoints' own host[:port].
 */
export function urlAllowed(url: URL, allowed: readonly string[]): boolean {
  const host = url.host.toLowerCase()
  const hostname = url.hostname.toLowerCase()
  return allowed.some((entry) => {
    if (entry.startsWith('*.')) return hostname.endsWith(entry.slice(1))
    // Entries are canonical (URL's `host`): a trailing :digits is a port, IPv6 stays bracketed.
    return /:\d+$/.test(entry) ? host === entry : hostname === entry
  })
}

/** fetch restricted to https and the allowed hosts; throws a ProblemError otherwise. */
export function createOutboundFetch(allowedHosts: string[]): OutboundFetch {
  const allowed = allowedHosts.map(canonicalEntry).filter((e): e is string => e !== null)
  return (target, init) => {
    let url: URL
    try {
      url = new URL(target)
    } catch {
      return Promise.reject(problem('invalid', 'url'))
    }
    if (url.protocol !== 'https:' || url.username || url.password)
      return Promise.reject(problem('forbidden', 'url', { host: url.host }))
    if (!urlAllowed(url, allowed)) return Promise.reject(problem('forbidden', 'url', { host: url.host }))
    return fetch(url, {
      ...init,
      redirect: 'error',
      signal: init.signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT_MS),
    })
  }
}

/** Provider answers are kept for QA; cap them so a misbehaving gateway cannot flood the table. */
export function answerText(text: string): string {
  return text.length > 1000 ? text.slice(0, 1000) + '…' : text
}

/**
 * Remove secrets from a provider answer before it is kept: a gateway's error page may echo the
 * request URL, and WeCom's URLs carry corpsecret and access_token in the query.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text
  for (const s of secrets)
    if (s.length >= 4)
      for (const form of new Set([s, encodeURIComponent(s)])) out = out.split(form).join('***')
  return out
}

/** A request that never got a provider answer (network, TLS, timeout, guard refusal). */
export function unreachable(err: unknown): SendResult {
  const name = err instanceof Error ? err.name : 'Error'
  // The guard's refusal is a configuration problem: retrying will not help.
  const refused = err instanceof Error && 'problem' in err
  return {
    ok: false,
    code: refused ? 'refused' : 'network',
    answer: refused ? 'host not allowed' : name,
    retryable: !refused,
    rateLimited: false,
  }
}

/** Read a JSON object body; a 5xx or 429 is a retryable failure, any other non-JSON answer a final one. */
export async function readJson(
  res: Response,
  secrets: readonly string[] = [],
): Promise<{ ok: true; json: unknown; text: string } | { ok: false; result: SendResult }> {
  const text = redact(await res.text(), secrets)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  if (res.status >= 500 || json === undefined || json === null || typeof json !== 'object')
    return {
      ok: false,
      result: {
        ok: false,
        code: `http_${res.status}`,
        answer: answerText(text),
        retryable: res.status >= 500 || res.status === 429,
        rateLimited: false,
      },
    }
  return { ok: true, json, text }
}

/** Mainland numbers as the vendors want them: Aliyun without, Tencent with the +86 prefix. */
export function mainlandDigits(mobile: string): string {
  const m = mobile.replace(/[\s-]/g, '')
  return m.startsWith('+86') ? m.slice(3) : m
}
export function e164(mobile: string): string {
  const m = mobile.replace(/[\s-]/g, '')
  return m.startsWith('+') ? m : `+86${m}`
}

/** Vendors report wall-clock times of China Standard Time (UTC+8 all year, no daylight saving). */
export function chinaTimeToIso(s: unknown): string | undefined {
  if (typeof s !== 'string') return undefined
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})$/.exec(s.trim())
  if (!m) return undefined
  const d = new Date(`${m[1]}T${m[2]}+08:00`)
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString()
}
