import { IDBFactory } from 'fake-indexeddb'
import { describe, expect, it } from 'vitest'
import { BATCH_SIZE, MAX_FAILED_ATTEMPTS, openOutbox, singleRouteField, type OutboxDeps } from './outbox.ts'

type Reply = number | 'network'

const problem = {
  code: 'lysis_declined',
  message: 'Lysis was declined',
  messageZh: '已拒绝溶栓',
  params: { drug: 'x' },
}

/**
 * A fake server: replies from a script per URL+id, records what it received in order. It also
 * answers `POST /api/sync` as api/routes/sync.ts does — each item by the script of its single
 * route, in order, a failed (5xx) item holding its case's later items — unless `batch: false`
 * (an older server: 404). `received` lists the items the server handled, `requests` the HTTP requests.
 */
function fakeServer(
  script: (body: Record<string, unknown>, url: string) => Reply = () => 201,
  opts: { batch?: boolean } = {},
) {
  const received: { url: string; body: Record<string, unknown> }[] = []
  const requests: string[] = []
  const fetch: OutboxDeps['fetch'] = (url, init) => {
    const body = init.body ? (JSON.parse(init.body as string) as Record<string, unknown>) : {}
    if (init.method === 'GET') return Promise.resolve(new Response('{}', { status: 404 }))
    requests.push(url)
    if (url === '/api/sync') {
      if (opts.batch === false) return Promise.resolve(new Response('{}', { status: 404 }))
      const items = body.items as { kind: string; caseId?: string; body: Record<string, unknown> }[]
      const replies = items.map((i) =>
        i.kind === 'case' ? script(i.body, '/api/cases') : script(i.body, `/api/cases/${i.caseId}/events`),
      )
      if (replies.includes('network')) return Promise.reject(new TypeError('Failed to fetch'))
      const held = new Set<string>()
      const results = items.map((i, n) => {
        const caseId = i.caseId ?? (i.body.id as string)
        if (held.has(caseId)) return { outcome: 'held', status: null }
        const r = replies[n] as number
        received.push({ url: i.kind === 'case' ? '/api/cases' : `/api/cases/${caseId}/events`, body: i.body })
        if (r >= 500) held.add(caseId)
        if (r < 400) return { outcome: r === 201 ? 'stored' : 'duplicate', status: r }
        return {
          outcome: r >= 500 ? 'failed' : 'refused',
          status: r,
          error: { ...problem, field: `items.${n}.body.doseMg` },
        }
      })
      return Promise.resolve(new Response(JSON.stringify({ results }), { status: 200 }))
    }
    const r = script(body, url)
    if (r === 'network') return Promise.reject(new TypeError('Failed to fetch'))
    received.push({ url, body })
    const payload = r >= 400 ? { error: { ...problem, field: 'doseMg' } } : {}
    return Promise.resolve(new Response(JSON.stringify(payload), { status: r }))
  }
  return { fetch, received, requests }
}

const ev = (n: number, type = 'arrived') => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  type,
  at: '2022-11-26T13:09:00+08:00',
})

function outbox(fetch: OutboxDeps['fetch']) {
  return openOutbox({ indexedDB: new IDBFactory(), fetch, now: () => new Date('2022-11-26T05:10:00Z') })
}

describe('outbox', () => {
  it('keeps items in insertion order and sends them in order, once', async () => {
    const server = fakeServer()
    const box = outbox(server.fetch)
    await box.enqueueCase({ id: 'case-1', facilityId: 'f' })
    for (const n of [1, 2, 3]) await box.enqueueEvent('case-1', ev(n))
    expect((await box.pending('case-1')).map((i) => i.id)).toEqual(['case-1', ev(1).id, ev(2).id, ev(3).id])
    const r = await box.flush()
    expect(r).toMatchObject({ sent: 4, refused: 0, remaining: 0, offline: false })
    expect(server.received.map((x) => x.url)).toEqual([
      '/api/cases',
      '/api/cases/case-1/events',
      '/api/cases/case-1/events',
      '/api/cases/case-1/events',
    ])
    expect(await box.pending()).toEqual([])
    await box.flush()
    expect(server.received).toHaveLength(4)
  })

  it('ignores a second enqueue of the same id', async () => {
    const box = outbox(fakeServer().fetch)
    await box.enqueueEvent('c', ev(1))
    await box.enqueueEvent('c', ev(1))
    expect(await box.pending()).toHaveLength(1)
  })

  it('keeps everything on a network error and sends it later', async () => {
    let online = false
    const server = fakeServer(() => (online ? 201 : 'network'))
    const box = outbox(server.fetch)
    for (const n of [1, 2]) await box.enqueueEvent('c', ev(n))
    const r1 = await box.flush()
    expect(r1).toMatchObject({ sent: 0, remaining: 2, offline: true })
    expect((await box.pending())[0]!.attempts).toBe(1)
    online = true
    expect(await box.flush()).toMatchObject({ sent: 2, remaining: 0, offline: false })
    expect(server.received.map((x) => x.body.id)).toEqual([ev(1).id, ev(2).id])
  })

  it('treats 200 (already stored) as done', async () => {
    const box = outbox(fakeServer(() => 200).fetch)
    await box.enqueueEvent('c', ev(1))
    expect(await box.flush()).toMatchObject({ sent: 1, remaining: 0 })
  })

  it('holds back later events of a case after a 5xx, but not other cases', async () => {
    const server = fakeServer((b) => (b.id === ev(1).id ? 503 : 201))
    const box = outbox(server.fetch)
    await box.enqueueEvent('a', ev(1))
    await box.enqueueEvent('a', ev(2))
    await box.enqueueEvent('b', ev(3))
    const r = await box.flush()
    expect(r).toMatchObject({ sent: 1, remaining: 2, refused: 0 })
    expect(server.received.map((x) => x.body.id)).toEqual([ev(1).id, ev(3).id])
    expect((await box.pending()).map((i) => i.id)).toEqual([ev(1).id, ev(2).id])
  })

  it('sets an item aside after repeated 500s so the case’s later time points go on; 503 waits for ever', async () => {
    const server = fakeServer((b) => (b.id === ev(1).id ? 500 : b.id === ev(3).id ? 503 : 201))
    const box = outbox(server.fetch)
    await box.enqueueEvent('a', ev(1))
    await box.enqueueEvent('a', ev(2))
    await box.enqueueEvent('b', ev(3))
    await box.enqueueEvent('b', ev(4))
    for (let i = 1; i < MAX_FAILED_ATTEMPTS; i++) expect(await box.flush()).toMatchObject({ sent: 0 })
    const last = await box.flush()
    expect(last).toMatchObject({ refused: 1, sent: 1 })
    expect((await box.refused()).map((i) => i.id)).toEqual([ev(1).id])
    for (let i = 0; i < 2 * MAX_FAILED_ATTEMPTS; i++) await box.flush()
    // The 503 (database restarting) is kept, and still holds its own case's order.
    expect((await box.pending()).map((i) => i.id)).toEqual([ev(3).id, ev(4).id])
  })

  it('moves 409/422 to the refused list with the server message, and goes on', async () => {
    const server = fakeServer((b) => (b.type === 'lysis_bolus' ? 409 : b.type === 'note' ? 422 : 201))
    const box = outbox(server.fetch)
    await box.enqueueEvent('c', ev(1))
    await box.enqueueEvent('c', ev(2, 'lysis_bolus'))
    await box.enqueueEvent('c', ev(3, 'note'))
    await box.enqueueEvent('c', ev(4))
    const r = await box.flush()
    expect(r).toMatchObject({ sent: 2, refused: 2, remaining: 0 })
    const refused = await box.refused('c')
    expect(refused.map((i) => [i.body.type, i.status, i.code, i.params, i.field])).toEqual([
      ['lysis_bolus', 409, 'lysis_declined', { drug: 'x' }, 'doseMg'],
      ['note', 422, 'lysis_declined', { drug: 'x' }, 'doseMg'],
    ])
    await box.dismissRefused(ev(2).id)
    expect(await box.refused()).toHaveLength(1)
  })

  it('stops on 401 and keeps every item for after sign-in', async () => {
    let status: Reply = 401
    const box = outbox(fakeServer(() => status).fetch)
    await box.enqueueEvent('c', ev(1))
    await box.enqueueEvent('d', ev(2))
    expect(await box.flush()).toMatchObject({ sent: 0, remaining: 2, authRequired: true })
    status = 201
    expect(await box.flush()).toMatchObject({ sent: 2, remaining: 0 })
  })

  it('runs one flush at a time (no double send from concurrent triggers)', async () => {
    const server = fakeServer()
    const box = outbox(server.fetch)
    for (const n of [1, 2, 3]) await box.enqueueEvent('c', ev(n))
    await Promise.all([box.flush(), box.flush(), box.flush()])
    expect(server.received).toHaveLength(3)
  })

  it('survives reopening the database (a reload)', async () => {
    const idb = new IDBFactory()
    const server = fakeServer(() => 'network')
    const a = openOutbox({ indexedDB: idb, fetch: server.fetch })
    await a.enqueueEvent('c', ev(1))
    a.close()
    const b = openOutbox({ indexedDB: idb, fetch: fakeServer().fetch })
    expect((await b.pending()).map((i) => i.id)).toEqual([ev(1).id])
  })

  it('keeps what it sent until the screen has it, so an event is always pending, sent or on the screen', async () => {
    let clock = new Date('2022-11-26T05:10:00Z')
    const box = openOutbox({ indexedDB: new IDBFactory(), fetch: fakeServer().fetch, now: () => clock })
    await box.enqueueEvent('c', ev(1))
    await box.enqueueEvent('c', ev(2))
    await box.enqueueEvent('d', ev(3))
    expect((await box.local('c')).pending.map((i) => i.id)).toEqual([ev(1).id, ev(2).id])
    await box.flush()
    const after = await box.local('c')
    expect(after.pending).toEqual([])
    expect(after.sent.map((i) => i.id)).toEqual([ev(1).id, ev(2).id])
    expect(await box.pending()).toEqual([])
    await box.forgetSent([ev(1).id])
    expect((await box.local('c')).sent.map((i) => i.id)).toEqual([ev(2).id])
    // Never kept forever: a day later the next flush drops it.
    clock = new Date('2022-11-27T05:11:00Z')
    await box.flush()
    expect((await box.local('c')).sent).toEqual([])
    await box.enqueueEvent('c', ev(4))
    await box.clear()
    expect(await box.local('c')).toEqual({ pending: [], sent: [] })
  })

  it('opens a version-1 database (before the sent store) and keeps its pending items', async () => {
    const idb = new IDBFactory()
    await new Promise<void>((resolve, reject) => {
      const req = idb.open('xinlian-outbox', 1)
      req.onupgradeneeded = () => {
        const db = req.result
        const pending = db.createObjectStore('pending', { keyPath: 'seq', autoIncrement: true })
        pending.createIndex('id', 'id', { unique: true })
        db.createObjectStore('refused', { keyPath: 'id' })
        pending.add({
          id: ev(1).id,
          caseId: 'c',
          kind: 'event',
          url: '/x',
          body: ev(1),
          createdAt: '',
          attempts: 0,
        })
      }
      req.onsuccess = () => {
        req.result.close()
        resolve()
      }
      req.onerror = () => reject(req.error ?? new Error('open failed'))
    })
    const box = openOutbox({ indexedDB: idb, fetch: fakeServer().fetch })
    expect((await box.pending()).map((i) => i.id)).toEqual([ev(1).id])
    await box.flush()
    expect((await box.local('c')).sent.map((i) => i.id)).toEqual([ev(1).id])
  })

  it('sends the queue in batches, in order across cases, one request per BATCH_SIZE items', async () => {
    const server = fakeServer()
    const box = outbox(server.fetch)
    await box.enqueueCase({ id: 'case-1', facilityId: 'f' })
    const n = BATCH_SIZE * 2 + 10
    for (let i = 1; i <= n; i++) await box.enqueueEvent(i % 3 ? 'case-1' : 'case-2', ev(i))
    expect(await box.flush()).toMatchObject({ sent: n + 1, refused: 0, remaining: 0 })
    expect(server.requests).toEqual(['/api/sync', '/api/sync', '/api/sync'])
    expect(server.received.map((x) => x.body.id)).toEqual([
      'case-1',
      ...Array.from({ length: n }, (_, i) => ev(i + 1).id),
    ])
    expect(server.received[0]!.url).toBe('/api/cases')
    expect(server.received[3]!.url).toBe('/api/cases/case-2/events')
  })

  it('keeps a case’s order across batches: after a passing failure its later items wait', async () => {
    const server = fakeServer((b) => (b.id === ev(5).id ? 503 : 201))
    const box = outbox(server.fetch)
    for (let i = 1; i <= BATCH_SIZE + 10; i++) await box.enqueueEvent('a', ev(i))
    await box.enqueueEvent('b', ev(1000))
    expect(await box.flush()).toMatchObject({ sent: 5, remaining: BATCH_SIZE + 6 })
    // The second request carries only case b: a's items after the failed one were not sent again.
    expect(server.requests).toHaveLength(2)
    expect(server.received.map((x) => x.body.id)).toEqual([
      ...[1, 2, 3, 4, 5].map((i) => ev(i).id),
      ev(1000).id,
    ])
    expect((await box.pending())[0]!.id).toBe(ev(5).id)
  })

  it('falls back to single POSTs when the server has no batch route (404), and stays with them', async () => {
    const server = fakeServer(() => 201, { batch: false })
    const box = outbox(server.fetch)
    for (const i of [1, 2]) await box.enqueueEvent('c', ev(i))
    expect(await box.flush()).toMatchObject({ sent: 2, remaining: 0 })
    await box.enqueueEvent('c', ev(3))
    expect(await box.flush()).toMatchObject({ sent: 1, remaining: 0 })
    expect(server.requests).toEqual([
      '/api/sync',
      '/api/cases/c/events',
      '/api/cases/c/events',
      '/api/cases/c/events',
    ])
  })

  it('re-sends a batch refused as a whole (413, 500) item by item, so each gets its own verdict', async () => {
    let calls = 0
    const single = fakeServer((b) => (b.type === 'note' ? 422 : 201))
    const fetch: OutboxDeps['fetch'] = (url, init) => {
      calls++
      if (url === '/api/sync') return Promise.resolve(new Response('{}', { status: 413 }))
      return single.fetch(url, init)
    }
    const box = outbox(fetch)
    await box.enqueueEvent('c', ev(1))
    await box.enqueueEvent('c', ev(2, 'note'))
    await box.enqueueEvent('c', ev(3))
    expect(await box.flush()).toMatchObject({ sent: 2, refused: 1, remaining: 0 })
    expect(calls).toBe(4)
    // The next flush tries the batch route again (only a 404 means the server has none).
    await box.enqueueEvent('c', ev(4))
    await box.flush()
    expect(calls).toBe(6)
  })

  it('names a batch item’s field as the single route does', () => {
    expect(singleRouteField('items.3.body.doseMg')).toBe('doseMg')
    expect(singleRouteField('items.3.body.answers.pregnancy')).toBe('answers.pregnancy')
    expect(singleRouteField('items.12.caseId')).toBe('caseId')
    expect(singleRouteField('items.0')).toBeUndefined()
    expect(singleRouteField(undefined)).toBeUndefined()
  })
})
