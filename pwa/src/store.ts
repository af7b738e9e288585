/**
 * Page-side state: the signed-in user, the network, the outbox and how it is flushed
 * (on start, on `online`, every 15 s, by Background Sync), and recording events.
 */
import { api, local, type CaseView, type NetworkInfo, type User } from './api.ts'
import type { Role } from '../../workflows/core/index.ts'
import { emit } from './bus.ts'
import { isoLocal } from './clinical.ts'
import { openOutbox, webLock, type FlushResult, type OutboxItem } from './outbox.ts'
import { serverNow } from './server-clock.ts'

export const OUTBOX_CHANNEL = 'xinlian-outbox'
const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(OUTBOX_CHANNEL)

export const outbox = openOutbox({
  indexedDB,
  fetch: (url, init) => fetch(url, init),
  lock: webLock(),
  onChange: () => {
    channel?.postMessage('changed')
    emit('outbox')
  },
})
// Another tab or the service worker changed the outbox.
channel?.addEventListener('message', () => emit('outbox'))

export const session = {
  user: local.get<User>('user'),
  network: local.get<NetworkInfo>('network'),
}

export function setUser(user: User | null): void {
  session.user = user
  if (user) local.set('user', user)
  emit('session')
}

export async function loadNetwork(): Promise<void> {
  try {
    session.network = await api<NetworkInfo>('GET', '/api/network')
    local.set('network', session.network)
    emit('session')
  } catch {
    // Offline: keep the saved copy.
  }
}

export const facilityName = (id: string | undefined): string => {
  const f = session.network?.facilities.find((x) => x.id === id)
  if (!f) return ''
  return document.documentElement.lang === 'en' ? (f.nameEn ?? f.name) : f.name
}

export const hasRole = (...roles: Role[]) => roles.some((r) => session.user?.roles.includes(r))

export let lastFlush: FlushResult | null = null

let flushing: Promise<void> | null = null
let again = false

/**
 * Flush the outbox. A call while a flush runs (e.g. `online` fires while a flush started
 * offline is still failing) runs another one right after it, instead of joining the one that
 * is about to report "offline" and leaving the items for the next 15 s tick.
 */
export function flushNow(): Promise<void> {
  if (flushing) {
    again = true
    return flushing
  }
  flushing = (async () => {
    do {
      again = false
      try {
        lastFlush = await outbox.flush()
      } catch {
        // IndexedDB unavailable: nothing to flush.
      }
      emit('outbox')
      if (lastFlush && lastFlush.sent > 0) emit('cases')
    } while (again)
  })().finally(() => {
    flushing = null
  })
  return flushing
}

async function requestBackgroundSync(): Promise<void> {
  try {
    const reg = await navigator.serviceWorker?.getRegistration()
    const sync = (reg as { sync?: { register: (tag: string) => Promise<void> } } | undefined)?.sync
    await sync?.register('outbox')
  } catch {
    // Background Sync is Chromium-only; the timer and `online` cover the rest.
  }
}

let started = false
/** Flush on app start, on `online`, every 15 s. */
export function startSync(): void {
  if (started) return
  started = true
  void flushNow()
  window.addEventListener('online', () => {
    emit('net')
    void flushNow()
  })
  window.addEventListener('offline', () => emit('net'))
  setInterval(() => void flushNow(), 15_000)
}

export const uuid = (): string => crypto.randomUUID()

/** Record a time point: into the outbox first (shown as not yet synced), then try to send. */
export async function recordEvent(
  caseId: string,
  type: string,
  data: Record<string, unknown> = {},
  at: Date = new Date(serverNow()),
): Promise<OutboxItem> {
  const item = await outbox.enqueueEvent(caseId, { id: uuid(), type, at: isoLocal(at), ...data })
  void requestBackgroundSync()
  void flushNow()
  return item
}

export interface NewCase {
  id: string
  facilityId: string
  patient: { sex: 'male' | 'female'; age: number; weightKg?: number; name?: string; recordNumber?: string }
  firstMedicalContactAt: string
  arrivalMode?: string
  symptomOnsetAt?: string
  symptomOnsetApproximate?: boolean
}

/** Start a case (works offline): the case goes through the outbox like any event. */
export async function startCase(c: NewCase): Promise<void> {
  await outbox.enqueueCase({ ...c })
  // A provisional view so that the case screen opens at once, even offline.
  const provisional: CaseView = {
    id: c.id,
    facilityId: c.facilityId,
    patient: c.patient,
    phase: 'awaiting_ecg',
    status: 'active',
    createdAt: c.firstMedicalContactAt,
    events: [],
    metrics: {},
    deadlines: [],
    flags: [],
    advice: null,
  }
  local.set('case.' + c.id, provisional)
  void requestBackgroundSync()
  void flushNow()
}

export async function signOut(): Promise<boolean> {
  const pending = await outbox.pending()
  if (pending.length > 0) return false
  try {
    await api('POST', '/api/auth/logout', {})
  } catch {
    // Offline: the cookie expires on its own; the local copies are cleared anyway.
  }
  await outbox.clear()
  local.clear()
  session.user = null
  session.network = null
  emit('session')
  return true
}
