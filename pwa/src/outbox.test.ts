import { IDBFactory } from 'fake-indexeddb'
import { describe, expect, it } from 'vitest'
import { MAX_FAILED_ATTEMPTS, openOutbox, type OutboxDeps } from './outbox.ts'

type Reply = number | 'network'

/** A fake server: replies from a script per URL+id, records what it received in order. */
function fakeServer(script: (body: Record<string, unknown>, url: string) => Reply = () => 201) {
  const received: { url: string; body: Record<string, unknown> }[] = []
  const fetch: OutboxDeps['fetch'] = (url, init) => {
    const body = init.body ? (JSON.parse(init.body as string) as Record<string, unknown>) : {}
    const r = init.method === 'GET' ? 404 : script(body, url)
    if (r === 'network') return Promise.reject(new TypeError('Failed to fetch'))
    if (init.method !== 'GET') received.push({ url, body })
    const payload =
      r >= 400
        ? {
            error: {
              code: 'lysis_declined',
              message: 'Lysis was declined',
              messageZh: '已拒绝溶栓',
              params: { drug: 'x' },
            },
          }
        : {}
    return Promise.resolve(new Response(JSON.stringify(payload), { status: r }))
  }
  return { fetch, received }
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
    expect(refused.map((i) => [i.body.type, i.status, i.code, i.params])).toEqual([
      ['lysis_bolus', 409, 'lysis_declined', { drug: 'x' }],
      ['note', 422, 'lysis_declined', { drug: 'x' }],
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
})
