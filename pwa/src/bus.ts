import { useEffect, useRef, useState } from 'preact/hooks'
import { serverNow } from './server-clock.ts'

/** In-page pub/sub: `outbox` (pending items changed), `case:<id>`, `cases`, `alert`, `net`, `session`. */
const topics = new Map<string, Set<() => void>>()

export function emit(topic: string): void {
  topics.get(topic)?.forEach((f) => f())
}

export function subscribe(topic: string, f: () => void): () => void {
  let set = topics.get(topic)
  if (!set) topics.set(topic, (set = new Set()))
  set.add(f)
  return () => void set.delete(f)
}

/** Run `f` on mount and whenever any of the topics fires. */
export function useBus(topicList: string[], f: () => void): void {
  const latest = useRef(f)
  latest.current = f
  const key = topicList.join(' ')
  useEffect(() => {
    latest.current()
    const offs = key.split(' ').map((tp) => subscribe(tp, () => latest.current()))
    return () => offs.forEach((o) => o())
  }, [key])
}

/** The local clock, re-rendering every `ms` (countdowns keep ticking after a reopen). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(serverNow())
  useEffect(() => {
    const h = setInterval(() => setNow(serverNow()), ms)
    return () => clearInterval(h)
  }, [ms])
  return now
}
