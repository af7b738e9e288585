/// <reference lib="webworker" />
/**
 * The service worker. Built as its own classic script at /sw.js;
 * the precache list (hashed asset names) and the cache version are injected at build time.
 * - install: precache the app shell; activate: drop old caches, claim clients.
 * - fetch: navigations → the cached shell (SPA); shell assets cache-first. Never /api/*.
 * - push: a notification per case (tag = caseId), Approve/Decline actions for consults.
 * - notificationclick: approve → records lysis_decision with this device's cookie session;
 *   decline → opens the consult page's decline form (a reason is required); plain click opens the case.
 * - sync `outbox`: flush the offline outbox.
 */
import { bilingual, bilingualProblem } from './i18n/index.ts'
import { isoLocal } from './clinical.ts'
import { openOutbox, webLock } from './outbox.ts'

declare const self: ServiceWorkerGlobalScope & {
  onNotificationClick: (n: Notification, action: string) => Promise<unknown>
}
declare const __PRECACHE__: string[]
declare const __SW_VERSION__: string

const CACHE = `xinlian-shell-${__SW_VERSION__}`
const SHELL = '/index.html'
const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel('xinlian-outbox')

const outbox = openOutbox({
  indexedDB: self.indexedDB,
  fetch: (url, init) => fetch(url, init),
  lock: webLock(),
  onChange: () => channel?.postMessage('changed'),
})

self.addEventListener('install', (e) => {
  e.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE)
      await cache.addAll(__PRECACHE__)
      await self.skipWaiting()
    })(),
  )
})

self.addEventListener('activate', (e) => {
  e.waitUntil(
    (async () => {
      for (const k of await caches.keys())
        if (k.startsWith('xinlian-shell-') && k !== CACHE) await caches.delete(k)
      await self.clients.claim()
    })(),
  )
})

self.addEventListener('fetch', (e) => {
  const req = e.request
  if (req.method !== 'GET') return
  const url = new URL(req.url)
  if (url.origin !== self.location.origin) return
  // The API (and the SSE stream under it) always goes to the network: never cached here.
  if (url.pathname.startsWith('/api/') || url.pathname === '/sw.js') return
  if (req.mode === 'navigate') {
    e.respondWith(
      (async () => {
        const cached = await caches.match(SHELL, { cacheName: CACHE })
        if (cached) return cached
        return fetch(req)
      })(),
    )
    return
  }
  e.respondWith(
    (async () => {
      const cached = await caches.match(req, { cacheName: CACHE })
      return cached ?? fetch(req)
    })(),
  )
})

interface PushMessage {
  title: string
  body?: string
  caseId?: string
  kind?: 'consult' | 'alert' | 'readiness'
  clockStart?: string
  url?: string
  actions?: { action: string; title: string }[]
  alertKey?: string
}

self.addEventListener('push', (e) => {
  let m: PushMessage
  try {
    m = (e.data?.json() as PushMessage | undefined) ?? { title: '心联 Xinlian' }
  } catch {
    m = { title: '心联 Xinlian', body: e.data?.text() ?? '' }
  }
  const tag = m.caseId ?? m.alertKey ?? m.kind ?? 'xinlian'
  // Chromium typings lack `renotify`/`actions` in NotificationOptions for some lib versions.
  const options: NotificationOptions & Record<string, unknown> = {
    body: m.body ?? '',
    tag,
    renotify: true,
    requireInteraction: true,
    data: m,
    icon: '/icons/icon-192.png',
    badge: '/icons/icon-192.png',
    actions: m.actions ?? [],
  }
  e.waitUntil(self.registration.showNotification(m.title, options))
})

function pageFor(m: PushMessage): string {
  if (m.url) return m.url
  if (m.caseId) return m.kind === 'consult' ? `/consults/${m.caseId}` : `/cases/${m.caseId}`
  return '/'
}

/** Focus is only allowed during a real notification click; elsewhere (tests) it is best effort. */
const focus = (c: WindowClient) => c.focus().catch(() => c)

async function openPage(path: string): Promise<unknown> {
  const target = new URL(path, self.location.origin)
  const wins = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
  const same = wins.find((c) => {
    const u = new URL(c.url)
    return u.pathname + u.search === target.pathname + target.search
  })
  if (same) return focus(same)
  const win = wins[0]
  if (win) {
    const navigated = await win.navigate(target.href).catch(() => null)
    return focus(navigated ?? win)
  }
  return self.clients.openWindow(target.href)
}

/** Approve from the notification: the decision goes through the outbox with this device's session. */
async function approve(m: PushMessage & { caseId: string }, tag: string): Promise<unknown> {
  const id = crypto.randomUUID()
  await outbox.enqueueEvent(m.caseId, {
    id,
    type: 'lysis_decision',
    at: isoLocal(new Date()),
    decision: 'approved',
    reason: bilingual('sw.approvedReason'),
  })
  await outbox.flush()
  const stillPending = (await outbox.pending(m.caseId)).some((i) => i.id === id)
  const refused = (await outbox.refused(m.caseId)).find((i) => i.id === id)
  const title = refused ? bilingual('sw.failed') : bilingual('sw.approved')
  const body = refused
    ? bilingualProblem(refused.code, refused.params, refused.status)
    : stillPending
      ? '⏳'
      : (m.body ?? '')
  const options: NotificationOptions & Record<string, unknown> = { body, tag, data: { ...m, actions: [] } }
  return self.registration.showNotification(title, options)
}

/** Exposed on `self` so that browser tests can call it (no CDP command clicks a notification). */
self.onNotificationClick = async (n: Notification, action: string) => {
  const m = (n.data ?? {}) as PushMessage
  n.close()
  if (action === 'approve' && m.caseId) return approve({ ...m, caseId: m.caseId }, n.tag)
  if (action === 'decline' && m.caseId) return openPage(`/consults/${m.caseId}?decline=1`)
  return openPage(pageFor(m))
}

self.addEventListener('notificationclick', (e) => {
  e.waitUntil(self.onNotificationClick(e.notification, e.action))
})

self.addEventListener('sync', (e) => {
  const ev = e as ExtendableEvent & { tag: string }
  if (ev.tag === 'outbox')
    ev.waitUntil(
      outbox.flush().then((r) => {
        // Tell the browser to retry later while something is still waiting.
        if (r.offline) throw new Error('offline: retry later')
      }),
    )
})

self.addEventListener('message', (e) => {
  if ((e.data as { type?: string } | null)?.type === 'flush') e.waitUntil(outbox.flush())
})
