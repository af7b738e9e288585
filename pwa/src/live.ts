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

/** Connect once signed in; EventSource reconnects by itself after a drop. */
export function startLive(): void {
  if (source || typeof EventSource === 'undefined') return
  source = new EventSource('/api/stream')
  source.addEventListener('case', (e) => {
    const d = parse(e) as { caseId: string } | null
    if (d) emit('case:' + d.caseId)
    emit('cases')
  })
  source.addEventListener('alert', (e) => {
    const d = parse(e) as AlertMessage | null
    if (d?.caseId) onAlert(d)
  })
  source.addEventListener('resync', () => {
    emit('cases')
    emit('resync')
  })
}

export function stopLive(): void {
  source?.close()
  source = null
}
