import { readSse } from './sse-reader.ts'

/** A real SSE client over HTTP (`GET /api/stream`), noting when each message arrives. */
export interface Arrival {
  event: string
  data: any
  at: number
}

export async function openSse(base: string, token: string, onEvent: (a: Arrival) => void) {
  const ac = new AbortController()
  const res = await fetch(`${base}/api/stream`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: ac.signal,
  })
  if (res.status !== 200 || !res.body) throw new Error(`stream: ${res.status}`)
  readSse(res.body, onEvent)
  return { close: () => ac.abort() }
}
