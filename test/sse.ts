import type { TestEnv } from './harness.ts'
import { readSse } from '../bench/lib/sse-reader.ts'

export interface SseEvent {
  event: string
  data: any
  id?: string
}

/** Open `/api/stream` through the real app and collect its events until closed. */
export async function openStream(
  t: TestEnv,
  token: string,
  opts: { since?: string; lastEventId?: string } = {},
) {
  const ac = new AbortController()
  const res = await t.app.request(
    opts.since === undefined ? '/api/stream' : `/api/stream?since=${opts.since}`,
    {
      headers: {
        authorization: `Bearer ${token}`,
        ...(opts.lastEventId === undefined ? {} : { 'last-event-id': opts.lastEventId }),
      },
      signal: ac.signal,
    },
  )
  if (res.status !== 200 || !res.body) throw new Error(`stream: ${res.status}`)
  const events: SseEvent[] = []
  const waiters: { pred: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }[] = []
  readSse(res.body, ({ event, data, id }) => {
    const e: SseEvent = { event, data, ...(id === undefined ? {} : { id }) }
    events.push(e)
    for (const w of [...waiters]) {
      if (!w.pred(e)) continue
      waiters.splice(waiters.indexOf(w), 1)
      w.resolve(e)
    }
  })
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
