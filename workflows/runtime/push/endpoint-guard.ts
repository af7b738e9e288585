/**
 * SSRF guard for Web Push (SPEC §8 `PUSH_ALLOWED_HOSTS`): a push endpoint comes from the browser,
 * so it is untrusted input that makes the server issue a request. Only https URLs whose host is on
 * the allow-list are accepted (at subscription time) and called (checked again before each send,
 * since the list may have changed since the subscription was stored).
 */

/** `*.notify.windows.com` matches any subdomain (not the apex); other entries match exactly. */
export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/\.$/, '')
  return allowed.some((entry) => {
    const e = entry.toLowerCase()
    if (e.startsWith('*.')) return h.endsWith(e.slice(1)) && h.length > e.length - 1
    return h === e
  })
}

/** The endpoint's host when it may be called, else null (not a URL, not https, credentials, host not allowed). */
export function allowedEndpointHost(endpoint: string, allowed: readonly string[]): string | null {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    return null
  }
  if (url.protocol !== 'https:' || url.username || url.password) return null
  // IPv6 literals come bracketed from URL; compare them as written in the allow-list.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  return hostAllowed(host, allowed) ? host : null
}
