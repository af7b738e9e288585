/** Read a `text/event-stream` body, calling `onEvent` per message (JSON data parsed when it is JSON). */
export function readSse(
  body: ReadableStream<Uint8Array>,
  onEvent: (e: { event: string; data: any; at: number; id?: string }) => void,
): void {
  const reader = body.getReader()
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
          const id = /^id: ?(.*)$/m.exec(block)?.[1]
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
          onEvent({ event, data: parsed, at, ...(id === undefined ? {} : { id }) })
        }
      }
    } catch {
      /* aborted */
    }
  })()
}
