/**
 * SSRF guard for Web Push (`PUSH_ALLOWED_HOSTS`, README.md): a push endpoint comes from the browser,
 * so it is untrusted input that makes the server issue a request. Only https URLs whose host is on
 * the allow-list are accepted (at subscription time) and called (checked again before each send,
 * since the list may have changed since the subscription was stored).
 */

/** `host`, `host:port`, `host:*`, `[v6]:port`; a bare IPv6 literal (several colons) has no port. */
function parseEntry(entry: string): { host: string; port: number | '*' | undefined } {
  const m = /^\[([^\]]+)\](?::(\d+|\*))?$/.exec(entry) ?? /^([^:]*):(\d+|\*)$/.exec(entry)
  if (!m) return { host: entry, port: undefined }
  const port = m[2] === undefined ? undefined : m[2] === '*' ? '*' : Number(m[2])
  return { host: m[1] ?? entry, port }
}

/**
 * `*.notify.windows.com` matches any subdomain (not the apex); other entries match exactly. An
 * entry without a port allows 443 only (every public push service); `host:8443` allows that port
 * and `host:*` any port (a loopback fake push service in tests and benchmarks).
 */
export function hostAllowed(host: string, allowed: readonly string[], port = 443): boolean {
  const h = host.toLowerCase().replace(/\.$/, '')
  return allowed.some((raw) => {
    const { host: e, port: p } = parseEntry(raw.toLowerCase())
    if (!(p === '*' || (p ?? 443) === port)) return false
    if (e.startsWith('*.')) return h.endsWith(e.slice(1)) && h.length > e.length - 1
    return h === e
  })
}

/** The endpoint's host when it may be called, else null (not a URL, not https, credentials, host or port not allowed). */
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
  const port = url.port === '' ? 443 : Number(url.port)
  return hostAllowed(host, allowed, port) ? host : null
}
