/** Live updates from the server (SSE `GET /api/stream`): case changes and alert banners. */
import { emit } from './bus.ts'

export interface LiveAlert {
  key: string
  caseId: string
  rule?: string
  kind?: string
  title: string
  body: string
  at: number
}

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

/** Connect once signed in; EventSource reconnects by itself after a drop. */
export function startLive(): void {
  if (source || typeof EventSource === 'undefined') return
  source = new EventSource('/api/stream')
  source.addEventListener('case', (e) => {
    try {
      const d = JSON.parse((e as MessageEvent<string>).data) as { caseId: string }
      emit('case:' + d.caseId)
    } catch {
      // Malformed message: ignore.
    }
    emit('cases')
  })
  source.addEventListener('alert', (e) => {
    try {
      const d = JSON.parse((e as MessageEvent<string>).data) as Omit<LiveAlert, 'key' | 'at'>
      alerts.unshift({
        ...d,
        key: `${d.caseId}:${d.rule ?? ''}:${d.kind ?? ''}:${Date.now()}`,
        at: Date.now(),
      })
      alerts.splice(5)
      if (soundOn) beep()
      emit('alert')
      emit('case:' + d.caseId)
    } catch {
      // Malformed message: ignore.
    }
  })
}

export function stopLive(): void {
  source?.close()
  source = null
}
