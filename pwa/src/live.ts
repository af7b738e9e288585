/**
 * Live updates from the server (SSE `GET /api/stream`): `case` {caseId, eventId, type} refreshes
 * what is on screen, `alert` {caseId, alertId, template, rule, alertKey} raises a banner (ids and
 * codes only: the text comes from the catalogue, patient data never travels on the stream),
 * `resync` (the server's listener reconnected) re-fetches everything.
 */
import type { RuleKey } from '../../workflows/core/rule-keys.ts'
import { hasKey, type KeyOf } from './i18n/index.ts'
import { emit } from './bus.ts'

export interface LiveAlert {
  key: string
  caseId: string
  template: KeyOf<'alertT'>
  rule: RuleKey | null
  alertKey: string | null
  /** Clinical alerts stay until acknowledged or dismissed; notices fade by themselves. */
  clinical: boolean
  title?: string
  body?: string
  at: number
}

const CLINICAL = new Set<string>([
  'consult',
  'deadline_warning',
  'deadline_missed',
  'escalated',
  'alert_repeated',
])
const NOTICE_MS = 15_000

export const alerts: LiveAlert[] = []
let source: EventSource | null = null
let soundOn = localStorage.getItem('xl.sound') === '1'

export const sound = {
  get: () => soundOn,
  set: (on: boolean) => {
    soundOn = on
    localStorage.setItem('xl.sound', on ? '1' : '0')
    emit('alert')
  },
}

function beep(): void {
  try {
    const ctx = new AudioContext()
    const o = ctx.createOscillator()
    o.frequency.value = 880
    o.connect(ctx.destination)
    o.start()
    o.stop(ctx.currentTime + 0.3)
  } catch {
    // No audio: the banner is enough.
  }
}

export function dismissAlert(key: string): void {
  const i = alerts.findIndex((a) => a.key === key)
  if (i >= 0) alerts.splice(i, 1)
  emit('alert')
}

interface AlertMessage {
  caseId: string
  alertId?: string
  template?: string
  kind?: string
  rule?: string | null
  alertKey?: string | null
  title?: string
  body?: string
}

function onAlert(d: AlertMessage): void {
  // Ids and codes from the server; a template or rule this build does not know reads generically.
  const named = d.template ?? d.kind ?? 'other'
  const template = hasKey('alertT', named) ? named : 'other'
  const a: LiveAlert = {
    key: d.alertId ?? `${d.caseId}:${template}:${d.rule ?? ''}:${Date.now()}`,
    caseId: d.caseId,
    template,
    rule: hasKey('rule', d.rule) ? d.rule : null,
    alertKey: d.alertKey ?? null,
    clinical: CLINICAL.has(template),
    ...(d.title ? { title: d.title } : {}),
    ...(d.body ? { body: d.body } : {}),
    at: Date.now(),
  }
  // A repeat of the same alert replaces the older banner.
  const same = alerts.findIndex(
    (x) => x.caseId === a.caseId && x.template === a.template && x.rule === a.rule,
  )
  if (same >= 0) alerts.splice(same, 1)
  alerts.unshift(a)
  alerts.splice(5)
  if (!a.clinical) setTimeout(() => dismissAlert(a.key), NOTICE_MS)
  if (soundOn && a.clinical) beep()
  emit('alert')
  emit('case:' + a.caseId)
}

const parse = (e: Event): unknown => {
  try {
    return JSON.parse((e as MessageEvent<string>).data)
  } catch {
    return null
  }
}

const CURSOR_KEY = 'xl.liveCursor'
const SEEN_KEY = 'xl.liveSeenAlerts'
/** Backoff between reconnect attempts: 1 s doubling to 30 s (plus `online` and visibility). */
const BACKOFF_MS = [1_000, 2_000, 4_000, 8_000, 15_000, 30_000]
/** The server pings every 25 s: a stream silent for longer than this is dead (a half-open socket). */
const SILENT_MS = 60_000

let wanted = false
let attempt = 0
let retry: ReturnType<typeof setTimeout> | null = null
let watchdog: ReturnType<typeof setInterval> | null = null
let lastMessageAt = 0
let everOpen = false

/** The last SSE id seen, kept across reloads so that a reopened app is caught up from there. */
const cursor = {
  get: () => localStorage.getItem(CURSOR_KEY),
  set: (id: string) => {
    if (/^\d+$/.test(id)) localStorage.setItem(CURSOR_KEY, id)
  },
}

/** Alerts already raised (a catch-up replays a few seconds of overlap; a banner shows once). */
const seenAlerts = (() => {
  let ids: string[] = []
  try {
    ids = JSON.parse(sessionStorage.getItem(SEEN_KEY) ?? '[]') as string[]
  } catch {
    ids = []
  }
  return {
    has: (id: string) => ids.includes(id),
    add: (id: string) => {
      ids = [...ids.filter((x) => x !== id), id].slice(-200)
      sessionStorage.setItem(SEEN_KEY, JSON.stringify(ids))
    },
  }
})()

/** Live-stream state for the screen and the tests: 'open', 'connecting' or 'closed'. */
export let liveState: 'open' | 'connecting' | 'closed' = 'closed'
const setState = (s: typeof liveState) => {
  liveState = s
  document.documentElement.dataset.live = s
  emit('live')
}

function disconnect(): void {
  source?.close()
  source = null
  if (retry) clearTimeout(retry)
  retry = null
}

function scheduleReconnect(): void {
  if (!wanted || retry) return
  const wait = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]!
  attempt++
  retry = setTimeout(() => {
    retry = null
    connect()
  }, wait)
}

function connect(): void {
  disconnect()
  if (!wanted || typeof EventSource === 'undefined') return
  setState('connecting')
  const since = cursor.get()
  const es = new EventSource(since ? `/api/stream?since=${since}` : '/api/stream')
  source = es
  const seen = (e: Event) => {
    lastMessageAt = Date.now()
    const id = (e as MessageEvent).lastEventId
    if (id) cursor.set(id)
  }
  es.addEventListener('hello', (e) => {
    seen(e)
    attempt = 0
    setState('open')
    // Whatever the screens show may have changed while the stream was down: re-fetch it; the
    // server replays the cases and alerts published since the cursor right after `hello`.
    if (everOpen || since) {
      emit('cases')
      emit('resync')
    }
    everOpen = true
  })
  es.addEventListener('ping', seen)
  es.addEventListener('case', (e) => {
    seen(e)
    const d = parse(e) as { caseId: string } | null
    if (d) emit('case:' + d.caseId)
    emit('cases')
  })
  es.addEventListener('alert', (e) => {
    seen(e)
    const d = parse(e) as AlertMessage | null
    if (!d?.caseId) return
    if (d.alertId) {
      if (seenAlerts.has(d.alertId)) return
      seenAlerts.add(d.alertId)
    }
    onAlert(d)
  })
  es.addEventListener('resync', (e) => {
    seen(e)
    emit('cases')
    emit('resync')
  })
  es.onerror = () => {
    if (source !== es) return
    // The browser retries by itself only while the stream is CONNECTING after a drop; a refused
    // or failed first request (offline reload, 401, 502) closes it for good. Own the retries.
    es.close()
    source = null
    setState('connecting')
    scheduleReconnect()
  }
}

/** Reconnect now (not after the backoff) when the stream is not open. */
function reconnectSoon(): void {
  if (!wanted) return
  if (source && source.readyState === EventSource.OPEN && Date.now() - lastMessageAt < SILENT_MS) return
  attempt = 0
  connect()
}

const onOnline = () => reconnectSoon()
const onVisible = () => {
  if (document.visibilityState === 'visible') reconnectSoon()
}

/** Connect once signed in (also offline: it keeps trying), reconnect on `online`, visibility and with backoff. */
export function startLive(): void {
  if (wanted || typeof EventSource === 'undefined') return
  wanted = true
  window.addEventListener('online', onOnline)
  document.addEventListener('visibilitychange', onVisible)
  watchdog = setInterval(() => {
    if (source?.readyState === EventSource.OPEN && Date.now() - lastMessageAt > SILENT_MS) reconnectSoon()
  }, 10_000)
  lastMessageAt = Date.now()
  connect()
}

export function stopLive(): void {
  wanted = false
  disconnect()
  window.removeEventListener('online', onOnline)
  document.removeEventListener('visibilitychange', onVisible)
  if (watchdog) clearInterval(watchdog)
  watchdog = null
  localStorage.removeItem(CURSOR_KEY)
  setState('closed')
}
