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
  const reader = res.body.getReader()
  const decoder = new TextDecoder()
  let buf = ''
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) return
        const at = performance.now()
        buf += decoder.decode(value, { stream: true })
        let i: number
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i)
          buf = buf.slice(i + 2)
          const event = /^event: ?(.*)$/m.exec(block)?.[1] ?? 'message'
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trimStart())
            .join('\n')
          let parsed: unknown = null
          try {
            parsed = data ? JSON.parse(data) : null
          } catch {
            parsed = data
          }
          onEvent({ event, data: parsed, at })
        }
      }
    } catch {
      /* aborted */
    }
  })()
  return { close: () => ac.abort() }
}
