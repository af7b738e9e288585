import type { TestEnv } from './harness.ts'

export interface SseEvent {
  event: string
  data: any
}

/** Open `/api/stream` through the real app and collect its events until closed. */
export async function openStream(t: TestEnv, token: string) {
  const ac = new AbortController()
  const res = await t.app.request('/api/stream', {
    headers: { authorization: `Bearer ${token}` },
    signal: ac.signal,
  })
  if (res.status !== 200 || !res.body) throw new Error(`stream: ${res.status}`)
  const reader = res.body.getReader()
  const decoder = new TextDecoder()
  const events: SseEvent[] = []
  const waiters: { pred: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }[] = []
  let buf = ''
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) return
        buf += decoder.decode(value, { stream: true })
        let i: number
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i)
          buf = buf.slice(i + 2)
          const ev = /^event: ?(.*)$/m.exec(block)?.[1] ?? 'message'
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trimStart())
            .join('\n')
          const e = { event: ev, data: data ? JSON.parse(data) : null }
          events.push(e)
          for (const w of [...waiters]) {
            if (!w.pred(e)) continue
            waiters.splice(waiters.indexOf(w), 1)
            w.resolve(e)
          }
        }
      }
    } catch {
      /* aborted */
    }
  })()
  return {
    events,
    waitFor: (pred: (e: SseEvent) => boolean, timeoutMs = 15_000) =>
      new Promise<SseEvent>((resolve, reject) => {
        const hit = events.find(pred)
        if (hit) return resolve(hit)
        const timer = setTimeout(() => reject(new Error('no matching SSE event in time')), timeoutMs)
        waiters.push({
          pred,
          resolve: (e) => {
            clearTimeout(timer)
            resolve(e)
          },
        })
      }),
    close: () => ac.abort(),
  }
}
