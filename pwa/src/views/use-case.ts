import type { EventType } from '../../../workflows/core/index.ts'
import { useEffect, useRef, useState } from 'preact/hooks'
import { api, ApiFailure, local, type CaseView, type Deadline } from '../api.ts'
import { useBus, useNow } from '../bus.ts'
import { foldCase, type LocalItem, type TimelineEntry } from '../case-fold.ts'
import { outbox, session } from '../store.ts'
import type { OutboxItem, RefusedItem, SentItem } from '../outbox.ts'
import { learnServerTime } from '../server-clock.ts'

export type { TimelineEntry }

export interface CaseState {
  view: CaseView | null
  /** The server copy could not be fetched: showing the saved one. */
  stale: boolean
  notFound: boolean
  pending: OutboxItem[]
  refused: RefusedItem[]
  /** Server events and local ones (pending or just sent), by clinical time, corrections applied. */
  timeline: TimelineEntry[]
  /** The latest event of a type, pending or stored, corrections applied. */
  latest: (type: string) => TimelineEntry | undefined
  /** The core's deadlines over that union (the server's own list when the network is unknown). */
  deadlines: Deadline[]
}

const asLocal =
  (pending: boolean) =>
  (i: OutboxItem): LocalItem => ({
    id: i.id,
    kind: i.kind,
    body: i.body,
    createdAt: i.createdAt,
    pending,
  })

/**
 * A case as the screen shows it: the server's view (or the saved copy) united with the outbox's
 * pending and just-sent items, folded by the core. The union never has a gap: an event leaves
 * the pending list in the same IndexedDB transaction that keeps it as sent, and a sent one is
 * forgotten only once a server copy that holds it is on screen.
 */
export function useCase(caseId: string): CaseState {
  const [view, setView] = useState<CaseView | null>(() => local.get<CaseView>('case.' + caseId))
  const [stale, setStale] = useState(false)
  const [notFound, setNotFound] = useState(false)
  const [pending, setPending] = useState<OutboxItem[]>([])
  const [sent, setSent] = useState<SentItem[]>([])
  const [refused, setRefused] = useState<RefusedItem[]>([])
  const now = useNow(1000)
  // Requests overlap (a live message, a flush, a reconnect): only a newer answer replaces the view,
  // so a read that started before an event was stored never hides it again.
  const asked = useRef(0)
  const applied = useRef(0)

  useBus(['case:' + caseId, 'cases', 'resync', 'net'], () => {
    const sentAt = Date.now()
    const n = ++asked.current
    api<CaseView>('GET', `/api/cases/${caseId}`)
      .then((v) => {
        if (n < applied.current) return
        applied.current = n
        learnServerTime(v.serverTime, sentAt, Date.now())
        setView(v)
        setStale(false)
        setNotFound(false)
        local.set('case.' + caseId, v)
      })
      .catch((e: unknown) => {
        setStale(true)
        // 404 while the case itself still waits in the outbox is expected (started offline).
        if (e instanceof ApiFailure && e.status === 404)
          void outbox.pending(caseId).then((p) => setNotFound(p.length === 0))
      })
  })
  useBus(['outbox'], () => {
    void outbox.local(caseId).then((l) => {
      setPending(l.pending)
      setSent(l.sent)
    })
    void outbox.refused(caseId).then(setRefused)
  })
  // Sent items the server's copy now holds are no longer needed locally.
  useEffect(() => {
    if (!view || stale) return
    const stored = new Set(view.events.map((e) => e.id))
    const shown = sent.filter((i) => (i.kind === 'case' ? view.events.length > 0 : stored.has(i.id)))
    if (shown.length) void outbox.forgetSent(shown.map((i) => i.id))
  }, [view, sent, stale])

  const items = [...sent.map(asLocal(false)), ...pending.map(asLocal(true))]
  const network = session.network
  if (view && network) {
    const f = foldCase(view, view.events, items, network, now)
    return { view, stale, notFound, pending, refused, ...f }
  }
  // No saved network (never online since sign-in): the server's list and the plain union.
  const stored = (view?.events ?? []).map((e) => ({ ...e, pending: false }))
  const ids = new Set(stored.map((e) => e.id))
  const extra = items
    .filter((i) => i.kind === 'event' && !ids.has(i.id))
    .map((i): TimelineEntry => {
      const { id, type, at, ...data } = i.body as { id: string; type: EventType; at: string }
      return { id, type, at, data, pending: i.pending }
    })
  const timeline = [...stored, ...extra].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
  return {
    view,
    stale,
    notFound,
    pending,
    refused,
    timeline,
    latest: (type) => timeline.filter((e) => e.type === type).at(-1),
    deadlines: view?.deadlines ?? [],
  }
}
