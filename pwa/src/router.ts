import { useEffect, useState } from 'preact/hooks'

/** A tiny history router: the app has a handful of routes, a dependency would cost more bytes. */
const listeners = new Set<() => void>()

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, '', path)
  else history.pushState(null, '', path)
  listeners.forEach((f) => f())
}

window.addEventListener('popstate', () => listeners.forEach((f) => f()))

export function useLocation(): URL {
  const [, bump] = useState(0)
  useEffect(() => {
    const f = () => bump((n) => n + 1)
    listeners.add(f)
    return () => void listeners.delete(f)
  }, [])
  return new URL(location.href)
}

/** `/cases/:id` against `/cases/42` → `{id: '42'}`; null when it does not match. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/')
  const s = path.replace(/\/+$/, '').split('/')
  if (p.length !== s.length) return null
  const out: Record<string, string> = {}
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]!
    if (seg.startsWith(':')) out[seg.slice(1)] = decodeURIComponent(s[i]!)
    else if (seg !== s[i]) return null
  }
  return out
}

/** Same-origin link that navigates without a reload. */
export function onLinkClick(e: MouseEvent): void {
  const a = (e.target as Element).closest('a')
  if (!a || a.target || e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return
  const url = new URL(a.href)
  if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return
  e.preventDefault()
  navigate(url.pathname + url.search)
}
