/**
 * Position sharing of the transporting phone (docs/ambulance.md): the Geolocation API's
 * `watchPosition`, only with the crew's consent and only while the case is on the road, at most
 * one fix per 15 s (a few a minute), posted to `POST /api/cases/:id/positions`.
 *
 * Offline the fixes are QUEUED on the phone (localStorage, per case), at most `MAX_QUEUED`; beyond
 * that the oldest are dropped — the ETA uses only the last minutes of the track (core/eta.ts), so
 * the newest fixes are the ones worth keeping. They are sent oldest first once the network is
 * back and the case's own events have left the outbox (the server accepts positions only after
 * it knows the vehicle left the scene). A fix the server refuses (4xx: not in transit any more,
 * before the departure) is dropped and counted, never retried; a re-sent fix is stored once.
 */
import { ApiFailure, api, local } from './api.ts'
import { emit } from './bus.ts'
import { outbox } from './store.ts'

/** At most one fix per 15 s: "a few fixes a minute". */
export const MIN_SPACING_MS = 15_000
/** 20 minutes of fixes at 4 a minute: a long dead zone keeps its most recent part. */
export const MAX_QUEUED = 80

export interface Fix {
  at: string
  lat: number
  lon: number
  accuracyM: number
}

export interface ShareStatus {
  lastFix: Fix | null
  queued: number
  dropped: number
  error: 'denied' | 'unavailable' | 'unsupported' | null
}

const qKey = (caseId: string) => 'positions.' + caseId
const sKey = (caseId: string) => 'positions.status.' + caseId

export function shareStatus(caseId: string): ShareStatus {
  const s = local.get<Omit<ShareStatus, 'queued'>>(sKey(caseId)) ?? { lastFix: null, dropped: 0, error: null }
  return { ...s, queued: (local.get<Fix[]>(qKey(caseId)) ?? []).length }
}

function setStatus(caseId: string, patch: Partial<Omit<ShareStatus, 'queued'>>): void {
  const { queued: _q, ...s } = shareStatus(caseId)
  local.set(sKey(caseId), { ...s, ...patch })
  emit('positions')
}

/** Add a fix to the case's queue; beyond `MAX_QUEUED` the oldest go. Returns how many were dropped. */
export function enqueueFix(
  queue: readonly Fix[],
  fix: Fix,
  max = MAX_QUEUED,
): { queue: Fix[]; dropped: number } {
  const next = [...queue, fix]
  const dropped = Math.max(0, next.length - max)
  return { queue: next.slice(dropped), dropped }
}

const flushing = new Set<string>()

/** Send the queued fixes of a case, oldest first; stop at the first network failure. */
export async function flushPositions(caseId: string): Promise<void> {
  if (flushing.has(caseId) || !navigator.onLine) return
  // The case's events first: before the server has the departure it would refuse every fix.
  const pending = await outbox.pending().catch(() => [])
  if (pending.some((i) => i.caseId === caseId)) return
  flushing.add(caseId)
  try {
    for (;;) {
      const queue = local.get<Fix[]>(qKey(caseId)) ?? []
      const fix = queue[0]
      if (!fix) break
      try {
        await api('POST', `/api/cases/${caseId}/positions`, fix)
      } catch (e) {
        // Network down: keep it for later. Refused: it will never be accepted, drop it.
        if (!(e instanceof ApiFailure) || e.status === 0 || e.status >= 500) break
        setStatus(caseId, { dropped: shareStatus(caseId).dropped + 1 })
      }
      const now = local.get<Fix[]>(qKey(caseId)) ?? []
      local.set(
        qKey(caseId),
        now.filter((f) => f.at !== fix.at),
      )
      emit('positions')
    }
  } finally {
    flushing.delete(caseId)
  }
}

/**
 * Watch the position and queue a fix at most every `MIN_SPACING_MS` (by the fix's own time).
 * Returns the function that stops watching. The caller starts it only with consent and while
 * the case is in transit, since `departedAt`: a cached fix from before it says nothing about the
 * road and the server would refuse it.
 */
export function startSharing(caseId: string, departedAt: number): () => void {
  if (!('geolocation' in navigator)) {
    setStatus(caseId, { error: 'unsupported' })
    return () => undefined
  }
  let last = shareStatus(caseId).lastFix ? Date.parse(shareStatus(caseId).lastFix!.at) : 0
  const watch = navigator.geolocation.watchPosition(
    (pos) => {
      if (pos.timestamp < departedAt || pos.timestamp - last < MIN_SPACING_MS) return
      last = pos.timestamp
      const fix: Fix = {
        at: new Date(pos.timestamp).toISOString(),
        lat: pos.coords.latitude,
        lon: pos.coords.longitude,
        accuracyM: Math.round(pos.coords.accuracy),
      }
      const r = enqueueFix(local.get<Fix[]>(qKey(caseId)) ?? [], fix)
      local.set(qKey(caseId), r.queue)
      setStatus(caseId, {
        lastFix: fix,
        error: null,
        dropped: shareStatus(caseId).dropped + r.dropped,
      })
      void flushPositions(caseId)
    },
    (err) => setStatus(caseId, { error: err.code === err.PERMISSION_DENIED ? 'denied' : 'unavailable' }),
    { enableHighAccuracy: true, maximumAge: 10_000, timeout: 60_000 },
  )
  const retry = () => void flushPositions(caseId)
  window.addEventListener('online', retry)
  // The outbox emptying (events synced) unblocks the queue.
  const timer = setInterval(retry, MIN_SPACING_MS)
  return () => {
    navigator.geolocation.clearWatch(watch)
    window.removeEventListener('online', retry)
    clearInterval(timer)
  }
}
