import { useState } from 'preact/hooks'
import { api, ApiFailure, local, type CaseEvent, type CaseView } from '../api.ts'
import type { EventType } from '../../../workflows/core/index.ts'
import { useBus } from '../bus.ts'
import { outbox } from '../store.ts'
import type { OutboxItem, RefusedItem } from '../outbox.ts'
import { learnServerTime } from '../server-clock.ts'

export interface TimelineEntry extends CaseEvent {
  pending: boolean
}

export interface CaseState {
  view: CaseView | null
  /** The server copy could not be fetched: showing the saved one. */
  stale: boolean
  notFound: boolean
  pending: OutboxItem[]
  refused: RefusedItem[]
  /** Server events and not-yet-synced ones, by clinical time. */
  timeline: TimelineEntry[]
  /** The latest event of a type, pending or stored. */
  latest: (type: EventType) => TimelineEntry | undefined
}

const asEvent = (i: OutboxItem): TimelineEntry => {
  const { id, type, at, ...data } = i.body as { id: string; type: EventType; at: string }
  return { id, type, at, data, pending: true }
}

/** A case as the screen shows it: the server's view (or the saved copy) plus the outbox. */
export function useCase(caseId: string): CaseState {
  const [view, setView] = useState<CaseView | null>(() => local.get<CaseView>('case.' + caseId))
  const [stale, setStale] = useState(false)
  const [notFound, setNotFound] = useState(false)
  const [pending, setPending] = useState<OutboxItem[]>([])
  const [refused, setRefused] = useState<RefusedItem[]>([])

  useBus(['case:' + caseId, 'cases'], () => {
    const sentAt = Date.now()
    api<CaseView>('GET', `/api/cases/${caseId}`)
      .then((v) => {
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
    void outbox.pending(caseId).then(setPending)
    void outbox.refused(caseId).then(setRefused)
  })

  const pendingEvents = pending.filter((i) => i.kind === 'event').map(asEvent)
  const stored = (view?.events ?? []).map((e) => ({ ...e, pending: false }))
  const ids = new Set(stored.map((e) => e.id))
  const timeline = [...stored, ...pendingEvents.filter((e) => !ids.has(e.id))].sort((a, b) =>
    a.at === b.at ? 0 : Date.parse(a.at) - Date.parse(b.at),
  )
  return {
    view,
    stale,
    notFound,
    pending,
    refused,
    timeline,
    latest: (type) => timeline.filter((e) => e.type === type).at(-1),
  }
}
