/**
 * The offline outbox: every case and event is written to IndexedDB first, with its
 * client-made UUID, and sent to the server in order per case. Shared by the page and the
 * service worker (Background Sync tag `outbox`), so it depends on nothing but an IDBFactory
 * and a fetch function, both injected (tests use fake-indexeddb and a fake fetch).
 *
 * Server replies: 200/201 clear the item (200 = the same id and body was already stored, so a
 * retry after a lost response is safe); 409/422 and other definite refusals move it to the
 * "refused" list with the server's message; 5xx, 408, 429 and network errors keep it for later.
 *
 * The queue goes in batches (`POST /api/sync`, `BATCH_SIZE` items a request, in order across
 * cases); each item's result is the status and problem its single route would have answered and
 * is handled by the same rules. The server stores item by item, so a refused item loses nothing
 * else; an item it could not store for a passing reason holds its case's later items (here and
 * on the server), so order per case holds across batches and retries. A server without the batch
 * route (404) gets single POSTs, as before it; a batch refused or failed as a whole (413, 500) is
 * re-sent item by item, so that one bad item is set aside alone.
 */

export type OutboxKind = 'case' | 'event'

export interface OutboxItem {
  /** Insertion order (IndexedDB auto-increment): the order of sending. */
  seq?: number
  /** The client UUID of the case or event: the server's idempotency key. */
  id: string
  caseId: string
  kind: OutboxKind
  url: string
  body: Record<string, unknown>
  createdAt: string
  attempts: number
  lastError?: string
}

export interface RefusedItem extends OutboxItem {
  status: number
  /** The problem code; the screen renders `problem.<code>` with `params` (never a server sentence). */
  code: string
  params?: Record<string, unknown>
  field?: string
  refusedAt: string
}

export interface FlushResult {
  sent: number
  refused: number
  remaining: number
  /** A network error stopped the flush (still offline). */
  offline: boolean
  /** 401: the session expired; items are kept until the user signs in again. */
  authRequired: boolean
}

export interface OutboxDeps {
  indexedDB: IDBFactory
  fetch: (url: string, init: RequestInit) => Promise<Response>
  dbName?: string
  now?: () => Date
  /** Called after anything changed (to refresh the UI, or tell other tabs). */
  onChange?: () => void
  /** Runs `fn` exclusively across tabs and the service worker (Web Locks), when available. */
  lock?: <T>(fn: () => Promise<T>) => Promise<T>
}

const PENDING = 'pending'
const REFUSED = 'refused'
/**
 * Items the server has stored, kept until the screen's copy of the case shows them: between the
 * server's 201 and the next successful read of the case there is no moment at which a recorded
 * time point is neither pending nor on the screen (pruned after `SENT_KEEP_MS` regardless).
 */
const SENT = 'sent'
const SENT_KEEP_MS = 24 * 3_600_000

export interface SentItem extends OutboxItem {
  sentAt: string
}

function promisify<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'))
  })
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve()
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'))
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'))
  })
}

function openDb(factory: IDBFactory, name: string): Promise<IDBDatabase> {
  const req = factory.open(name, 2)
  req.onupgradeneeded = (e) => {
    const db = req.result
    if (e.oldVersion < 1) {
      const pending = db.createObjectStore(PENDING, { keyPath: 'seq', autoIncrement: true })
      pending.createIndex('id', 'id', { unique: true })
      db.createObjectStore(REFUSED, { keyPath: 'id' })
    }
    if (e.oldVersion < 2) db.createObjectStore(SENT, { keyPath: 'id' })
  }
  return promisify(req)
}

/** Statuses that mean "try again later" rather than "the server refused this". */
const RETRYABLE = (status: number) => status >= 500 || status === 408 || status === 429
/**
 * Waiting is right while the server is unavailable (503, a timeout, a throttle: it will come
 * back), but an item the server fails on every time (a 500 on input it cannot handle) would hold
 * back the case's later time points forever: after this many such attempts it is set aside with
 * the refused items, where the screen shows it, and the case's later items go on.
 */
export const MAX_FAILED_ATTEMPTS = 5
const TRANSIENT = (status: number) => status === 503 || status === 408 || status === 429

/**
 * Queued items travel in batches of this many (`POST /api/sync`, api/routes/sync.ts): on a
 * 400 ms link a round trip per time point made 100 queued events a minute's sync. 50 notes are
 * ~15 KB up; the server takes up to 200.
 */
export const BATCH_SIZE = 50
const SYNC_URL = '/api/sync'

interface BatchResult {
  outcome: 'stored' | 'duplicate' | 'refused' | 'failed' | 'held'
  status: number | null
  error?: { code?: string; params?: Record<string, unknown>; field?: string }
}

/** The per-item results of a batch, or null when the answer is not one (then: item by item). */
async function batchResults(res: Response, n: number): Promise<BatchResult[] | null> {
  try {
    const j = (await res.json()) as { results?: unknown }
    if (!Array.isArray(j.results) || j.results.length !== n) return null
    return j.results as BatchResult[]
  } catch {
    return null
  }
}

/** A batch names a field from its root (`items.3.body.doseMg`); the screen shows it as the single route does (`doseMg`). */
export function singleRouteField(field: string | undefined): string | undefined {
  if (field === undefined) return undefined
  const m = /^items\.\d+(?:\.body)?(?:\.(.+))?$/.exec(field)
  return m ? m[1] : field
}

export interface Outbox {
  enqueueCase: (body: Record<string, unknown> & { id: string }) => Promise<OutboxItem>
  enqueueEvent: (caseId: string, body: Record<string, unknown> & { id: string }) => Promise<OutboxItem>
  pending: (caseId?: string) => Promise<OutboxItem[]>
  /** Pending and already-sent items of a case, read in one transaction (no gap between the two). */
  local: (caseId: string) => Promise<{ pending: OutboxItem[]; sent: SentItem[] }>
  /** The screen's copy of the case now holds these: stop keeping them. */
  forgetSent: (ids: readonly string[]) => Promise<void>
  refused: (caseId?: string) => Promise<RefusedItem[]>
  dismissRefused: (id: string) => Promise<void>
  flush: () => Promise<FlushResult>
  clear: () => Promise<void>
  close: () => void
}

export function openOutbox(deps: OutboxDeps): Outbox {
  const name = deps.dbName ?? 'xinlian-outbox'
  const now = deps.now ?? (() => new Date())
  let dbp: Promise<IDBDatabase> | null = null
  const db = () => (dbp ??= openDb(deps.indexedDB, name))
  const changed = () => deps.onChange?.()
  let running: Promise<FlushResult> | null = null

  async function add(item: OutboxItem): Promise<OutboxItem> {
    const d = await db()
    const tx = d.transaction(PENDING, 'readwrite')
    const store = tx.objectStore(PENDING)
    // Same UUID twice (a double tap replayed): keep the first, it is the same event.
    const existing = await promisify(store.index('id').getKey(item.id))
    if (existing === undefined) item.seq = (await promisify(store.add(item))) as number
    await done(tx)
    changed()
    return item
  }

  async function all<T>(storeName: string): Promise<T[]> {
    const d = await db()
    const tx = d.transaction(storeName, 'readonly')
    const rows = await promisify(tx.objectStore(storeName).getAll())
    await done(tx)
    return rows as T[]
  }

  async function put(storeName: string, op: (s: IDBObjectStore) => IDBRequest): Promise<void> {
    const d = await db()
    const tx = d.transaction(storeName, 'readwrite')
    op(tx.objectStore(storeName))
    await done(tx)
  }

  /** The problem of a refusal, from a single route's reply or a batch item's result. */
  interface Refusal {
    code?: string
    params?: Record<string, unknown>
    field?: string
  }

  async function refusalOf(res: Response): Promise<Refusal> {
    try {
      const j = (await res.json()) as { error?: Refusal }
      return j.error ?? {}
    } catch {
      return {} // Not JSON: keep the status only.
    }
  }

  async function moveToRefused(item: OutboxItem, status: number, err: Refusal): Promise<void> {
    const refused: RefusedItem = {
      ...item,
      status,
      code: err.code ?? `http_${status}`,
      ...(err.params ? { params: err.params } : {}),
      ...(err.field ? { field: err.field } : {}),
      refusedAt: now().toISOString(),
    }
    const d = await db()
    const tx = d.transaction([PENDING, REFUSED], 'readwrite')
    tx.objectStore(PENDING).delete(item.seq!)
    tx.objectStore(REFUSED).put(refused)
    await done(tx)
  }

  /** Stored by the server: out of pending, into sent, in one transaction for the lot. */
  async function moveToSent(items: readonly OutboxItem[]): Promise<void> {
    if (!items.length) return
    const d = await db()
    const tx = d.transaction([PENDING, SENT], 'readwrite')
    const sentAt = now().toISOString()
    for (const item of items) {
      tx.objectStore(PENDING).delete(item.seq!)
      tx.objectStore(SENT).put({ ...item, sentAt } satisfies SentItem)
    }
    await done(tx)
  }

  /** Sent but not stored (offline, server unavailable): one more attempt counted, kept pending. */
  async function keep(items: readonly OutboxItem[], lastError: string): Promise<void> {
    if (!items.length) return
    const d = await db()
    const tx = d.transaction(PENDING, 'readwrite')
    for (const item of items) tx.objectStore(PENDING).put({ ...item, attempts: item.attempts + 1, lastError })
    await done(tx)
  }

  async function pruneSent(): Promise<void> {
    const cutoff = now().getTime() - SENT_KEEP_MS
    const old = (await all<SentItem>(SENT)).filter((i) => Date.parse(i.sentAt) < cutoff)
    if (old.length) await put(SENT, (s) => old.map((i) => s.delete(i.id)).at(-1)!)
  }

  const post = (url: string, body: unknown) =>
    deps.fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })

  /**
   * What a reply means for an item — the same rules for a single route's answer and for a batch
   * item's result (status and problem as the single route would have answered).
   */
  async function settle(
    item: OutboxItem,
    status: number,
    refusal: () => Promise<Refusal>,
  ): Promise<'sent' | 'refused' | 'kept' | 'auth'> {
    if (status === 200 || status === 201) {
      await moveToSent([item])
      return 'sent'
    }
    if (status === 401) return 'auth'
    if (RETRYABLE(status) && !TRANSIENT(status) && item.attempts + 1 >= MAX_FAILED_ATTEMPTS) {
      await moveToRefused(item, status, await refusal())
      return 'refused'
    }
    if (RETRYABLE(status)) {
      await keep([item], `HTTP ${status}`)
      return 'kept'
    }
    if (item.kind === 'case' && status === 409 && (await caseExists(item.caseId))) {
      // The case was stored by an earlier attempt whose reply was lost.
      await moveToSent([item])
      return 'sent'
    }
    await moveToRefused(item, status, await refusal())
    return 'refused'
  }

  /** Until a server answers 404 to the batch route (an older one): then single POSTs, as before it. */
  let batchRoute = true

  async function flushOnce(): Promise<FlushResult> {
    const items = (await all<OutboxItem>(PENDING)).sort((a, b) => a.seq! - b.seq!)
    const result: FlushResult = { sent: 0, refused: 0, remaining: 0, offline: false, authRequired: false }
    // A case whose earlier item could not be sent yet holds back its later items (order per case).
    const held = new Set<string>()
    // Items not yet answered in this flush, in order; each round sends the next ones of cases not held.
    let queue = items
    // A batch the server could not take as a whole (not a 404): this flush goes on item by item.
    let singles = !batchRoute
    const tally = (outcome: 'sent' | 'refused' | 'kept' | 'auth', item: OutboxItem) => {
      if (outcome === 'sent') result.sent++
      else if (outcome === 'refused') result.refused++
      else if (outcome === 'auth') result.authRequired = true
      else held.add(item.caseId)
    }
    while (!result.offline && !result.authRequired) {
      const batch: OutboxItem[] = []
      const size = singles ? 1 : BATCH_SIZE
      for (const item of queue) {
        if (held.has(item.caseId)) continue
        batch.push(item)
        if (batch.length === size) break
      }
      if (!batch.length) break
      // Answered in this round (stored, refused, or kept for a later flush); the rest go again.
      const answered = new Set<OutboxItem>()
      if (singles) {
        const item = batch[0]!
        let res: Response
        try {
          res = await post(item.url, item.body)
        } catch (e) {
          result.offline = true
          await keep([item], String(e))
          break
        }
        const outcome = await settle(item, res.status, () => refusalOf(res))
        tally(outcome, item)
        if (outcome !== 'auth') answered.add(item)
      } else {
        let res: Response
        try {
          res = await post(SYNC_URL, {
            items: batch.map((i) =>
              i.kind === 'case'
                ? { kind: 'case', body: i.body }
                : { kind: 'event', caseId: i.caseId, body: i.body },
            ),
          })
        } catch (e) {
          result.offline = true
          await keep(batch, String(e))
          break
        }
        if (res.status === 404) {
          batchRoute = false
          singles = true
          continue
        }
        if (res.status === 401) {
          result.authRequired = true
          break
        }
        if (TRANSIENT(res.status)) {
          // The server is unavailable (a database restarting): keep them, their cases wait.
          await keep(batch, `HTTP ${res.status}`)
          for (const item of batch) held.add(item.caseId)
          continue
        }
        const results = res.ok ? await batchResults(res, batch.length) : null
        if (!results) {
          // Refused or failed as a whole (a 413, a server error): each item gets its own verdict.
          singles = true
          continue
        }
        const stored: OutboxItem[] = []
        for (const [i, item] of batch.entries()) {
          const r = results[i]!
          // Held by the server behind an earlier item of its case: sent again after it.
          if (r.outcome === 'held') continue
          answered.add(item)
          if (r.outcome === 'stored' || r.outcome === 'duplicate') {
            stored.push(item)
            continue
          }
          const error = r.error ?? {}
          tally(
            await settle(item, r.status ?? 500, () =>
              Promise.resolve({ ...error, field: singleRouteField(error.field) }),
            ),
            item,
          )
        }
        await moveToSent(stored)
        result.sent += stored.length
        // Visible progress on a slow link: the screen's counter goes down batch by batch.
        if (stored.length) changed()
      }
      if (!answered.size && !batch.some((i) => held.has(i.caseId))) break // no progress: stop here
      queue = queue.filter((i) => !answered.has(i))
    }
    result.remaining = items.length - result.sent - result.refused
    await pruneSent()
    if (result.sent > 0 || result.refused > 0) changed()
    return result
  }

  async function caseExists(caseId: string): Promise<boolean> {
    try {
      const r = await deps.fetch(`/api/cases/${caseId}`, { method: 'GET', credentials: 'same-origin' })
      return r.ok
    } catch {
      return false
    }
  }

  return {
    enqueueCase: (body) =>
      add({
        id: body.id,
        caseId: body.id,
        kind: 'case',
        url: '/api/cases',
        body,
        createdAt: now().toISOString(),
        attempts: 0,
      }),
    enqueueEvent: (caseId, body) =>
      add({
        id: body.id,
        caseId,
        kind: 'event',
        url: `/api/cases/${caseId}/events`,
        body,
        createdAt: now().toISOString(),
        attempts: 0,
      }),
    pending: async (caseId) =>
      (await all<OutboxItem>(PENDING))
        .filter((i) => caseId === undefined || i.caseId === caseId)
        .sort((a, b) => a.seq! - b.seq!),
    local: async (caseId) => {
      const d = await db()
      const tx = d.transaction([PENDING, SENT], 'readonly')
      const [p, sent] = await Promise.all([
        promisify(tx.objectStore(PENDING).getAll()) as Promise<OutboxItem[]>,
        promisify(tx.objectStore(SENT).getAll()) as Promise<SentItem[]>,
      ])
      await done(tx)
      return {
        pending: p.filter((i) => i.caseId === caseId).sort((a, b) => a.seq! - b.seq!),
        sent: sent.filter((i) => i.caseId === caseId).sort((a, b) => a.seq! - b.seq!),
      }
    },
    forgetSent: async (ids) => {
      if (!ids.length) return
      await put(SENT, (s) => ids.map((id) => s.delete(id)).at(-1)!)
    },
    refused: async (caseId) =>
      (await all<RefusedItem>(REFUSED))
        .filter((i) => caseId === undefined || i.caseId === caseId)
        .sort((a, b) => a.refusedAt.localeCompare(b.refusedAt)),
    dismissRefused: async (id) => {
      await put(REFUSED, (s) => s.delete(id))
      changed()
    },
    flush: () => {
      // One flush at a time in this context; the lock extends that across tabs and the SW.
      running ??= (deps.lock ? deps.lock(flushOnce) : flushOnce()).finally(() => {
        running = null
      })
      return running
    },
    clear: async () => {
      const d = await db()
      const tx = d.transaction([PENDING, REFUSED, SENT], 'readwrite')
      tx.objectStore(PENDING).clear()
      tx.objectStore(REFUSED).clear()
      tx.objectStore(SENT).clear()
      await done(tx)
      changed()
    },
    close: () => {
      void dbp?.then((d) => d.close())
      dbp = null
    },
  }
}

/** Web Locks when the context has them (Chromium, Firefox, Safari 15.4+), else no lock. */
export function webLock(): OutboxDeps['lock'] {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks
  if (!locks) return undefined
  return <T>(fn: () => Promise<T>) => locks.request('xinlian-outbox', () => fn()) as Promise<T>
}
