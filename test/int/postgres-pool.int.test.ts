/**
 * The transaction behaviour of postgres.js as patched in patches/postgres+3.4.9.patch, against a
 * real server. BEGIN is pipelined with a transaction's first statements (one round trip less per
 * clinical event and per timer fire): the callback starts once BEGIN is written, not answered.
 * Unpatched 3.4.9 fails the first two tests (the second is upstream porsager/postgres#1210: with
 * a full pipeline BEGIN was sent without reserving the connection) and the last three (statements
 * queued behind a describe-first one went out one per round trip; a statement issued through a
 * transaction after its end ran on the connection back in the pool; a statement pipelined with
 * COMMIT failed and the transaction, rolled back by the server, was reported committed). The third and fourth guard what the
 * early start must not break: no other caller's query may run inside a transaction, also on a
 * saturated pool — exactly the load of a burst of deadlines.
 */
import postgres from 'postgres'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { freshDatabase } from '../harness.ts'

const db = await freshDatabase()
const admin = postgres(db.url, { max: 1, onnotice: () => {} })
beforeAll(async () => {
  await admin`create table pool_probe (id int primary key, by text not null)`
})
afterAll(async () => {
  await admin.end()
  await db.drop()
})

/** postgres.js's `max_pipeline` option (queries in flight per connection), missing from its types. */
const pipeline = (n: number) => ({ max_pipeline: n }) as object

const rows = async () =>
  (await admin<{ id: number }[]>`select id from pool_probe order by id`).map((r) => r.id)

it('starts the callback once BEGIN is written, its first statement pipelined inside the transaction', async () => {
  const sql = postgres(db.url, { max: 1, onnotice: () => {} })
  try {
    await sql`select 1`
    const order: string[] = []
    // The pool's one connection is busy: BEGIN is pipelined behind this and answered after it.
    const busy = sql`select pg_sleep(0.1)`.execute().then(() => order.push('busy answered'))
    const [a, b] = await sql.begin(async (tx) => {
      order.push('callback started')
      const first = (await tx<{ t: Date; x: string }[]>`select now() as t, txid_current()::text as x`)[0]!
      const second = (await tx<{ t: Date; x: string }[]>`select now() as t, txid_current()::text as x`)[0]!
      return [first, second]
    })
    await busy
    expect(order).toEqual(['callback started', 'busy answered'])
    // now() and the transaction id are the transaction's: the first statement ran inside it.
    expect(a.x).toBe(b.x)
    expect(a.t.getTime()).toBe(b.t.getTime())
  } finally {
    await sql.end()
  }
})

it('reserves the connection for a transaction also when its pipeline is full (max_pipeline 0)', async () => {
  await admin`truncate pool_probe`
  const sql = postgres(db.url, { max: 2, onnotice: () => {}, ...pipeline(0) })
  try {
    await sql.begin(async (t) => {
      await t`insert into pool_probe values (1, 'tx')`
    })
    await sql
      .begin(async (t) => {
        await t`insert into pool_probe values (2, 'tx')`
        throw new Error('roll back')
      })
      .catch(() => undefined)
    expect(await rows()).toEqual([1])
  } finally {
    await sql.end()
  }
})

it("never runs another caller's query inside a transaction that then rolls back", async () => {
  await admin`truncate pool_probe`
  const sql = postgres(db.url, { max: 1, onnotice: () => {} })
  try {
    await sql`select 1`
    const busy = sql`select pg_sleep(0.2)`.execute() // the pool's one connection is busy
    const tx = sql
      .begin(async (t) => {
        await t`insert into pool_probe values (1, 'tx')`
        throw new Error('roll back')
      })
      .catch((e: unknown) => (e as Error).message)
    const outside = sql`insert into pool_probe values (2, 'outside')`.execute()
    expect(await tx).toBe('roll back')
    await Promise.all([busy, outside])
    expect(await rows()).toEqual([2])
  } finally {
    await sql.end()
  }
})

it('keeps transactions and other queries apart on a saturated pool (no UNSAFE_TRANSACTION, nothing lost)', async () => {
  await admin`truncate pool_probe`
  const sql = postgres(db.url, { max: 3, onnotice: () => {}, ...pipeline(2) })
  const committed: number[] = []
  try {
    await Promise.all([sql`select 1`, sql`select 1`, sql`select 1`])
    for (let round = 0; round < 10; round++) {
      const base = round * 100
      const work: Promise<unknown>[] = []
      for (let i = 0; i < 3; i++) work.push(sql`select pg_sleep(0.05)`.execute())
      for (let i = 0; i < 6; i++) {
        const id = base + i
        work.push(sql`insert into pool_probe values (${id}, 'outside')`.then(() => committed.push(id)))
      }
      for (let i = 0; i < 5; i++) {
        const id = base + 50 + i
        const rollback = i % 2 === 1
        work.push(
          sql
            .begin(async (t) => {
              await t`insert into pool_probe values (${id}, 'tx')`
              await t`select pg_sleep(0.01)`
              if (rollback) throw new Error('roll back')
            })
            .then(
              () => committed.push(id),
              (e: unknown) => {
                if ((e as Error).message !== 'roll back') throw e
              },
            ),
        )
      }
      await Promise.all(work)
    }
    expect(await rows()).toEqual(committed.sort((a, b) => a - b))
    expect(committed).toHaveLength(10 * (6 + 3))
  } finally {
    await sql.end()
  }
})

it('sends the statements queued behind a describe-first one together once it is answered', async () => {
  // Statements built in the same turn of the event loop went out in one write (one round trip).
  let turn = 0
  let ticking = true
  const tick = () => {
    turn++
    if (ticking) setImmediate(tick)
  }
  tick()
  const turns: number[] = []
  const sql = postgres(db.url, {
    max: 1,
    onnotice: () => {},
    debug: (_c, q) => {
      if (q.includes('pool_probe_marker')) turns.push(turn)
    },
  })
  try {
    await sql`select 1`
    await sql.begin(async (t) => {
      // A new statement with a parameter: postgres.js describes it first (a round trip), and the
      // transaction's later statements queue behind it.
      const first = t`select ${1}::int as pool_probe_marker`
      const rest = Array.from({ length: 5 }, (_, i) => t`select ${i}::int as pool_probe_marker`)
      await Promise.all([first, ...rest])
    })
    expect(turns).toHaveLength(6)
    // The five queued statements were built in one turn: one round trip for them, not five.
    expect(new Set(turns.slice(1)).size).toBe(1)
  } finally {
    ticking = false
    await sql.end()
  }
})

it('fails a statement issued through a transaction after it ended, instead of running it elsewhere', async () => {
  await admin`truncate pool_probe`
  const sql = postgres(db.url, { max: 1, onnotice: () => {} })
  try {
    // Work the callback leaves running (the rest of a Promise.all that threw, or a chain it did
    // not await) issues its statement only once the transaction is over.
    let over!: () => void
    const ended = new Promise<void>((r) => (over = r))
    let afterRollback: Promise<unknown> | undefined
    let afterCommit: Promise<unknown> | undefined
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => 'ran',
        (e: unknown) => (e as { code?: string }).code,
      )
    await sql
      .begin(async (t) => {
        afterRollback = outcome(ended.then(() => t`insert into pool_probe values (7, 'after rollback')`))
        await t`select 1 / 0`
      })
      .catch(() => undefined)
    await sql.begin(async (t) => {
      afterCommit = outcome(ended.then(() => t`insert into pool_probe values (8, 'after commit')`))
      await t`insert into pool_probe values (9, 'tx')`
    })
    over()
    expect(await afterRollback).toBe('TRANSACTION_ENDED')
    expect(await afterCommit).toBe('TRANSACTION_ENDED')
    expect(await rows()).toEqual([9])
  } finally {
    await sql.end()
  }
})

it('fails the transaction when a statement pipelined with COMMIT fails, and keeps nothing of it', async () => {
  await admin`truncate pool_probe`
  await admin`insert into pool_probe values (1, 'before')`
  const sql = postgres(db.url, { max: 1, onnotice: () => {} })
  try {
    // The callback issues its writes and returns without waiting: COMMIT travels with them. The
    // second insert is a unique violation; the server aborts the transaction and answers COMMIT
    // with ROLLBACK. Unpatched, begin() resolved as if both had been stored.
    let first: Promise<unknown> | undefined
    let second: Promise<unknown> | undefined
    const outcome = await sql
      .begin((tx) => {
        first = tx`insert into pool_probe values (2, 'tx')`.execute()
        second = tx`insert into pool_probe values (1, 'tx')`.execute()
        first.catch(() => undefined)
        second.catch(() => undefined)
        return 'returned before the writes were answered'
      })
      .then(
        () => 'committed',
        (e: unknown) => {
          const pe = e as { code?: string; constraint_name?: string }
          return `${pe.code} ${pe.constraint_name}`
        },
      )
    expect(outcome).toBe('23505 pool_probe_pkey')
    await expect(first).resolves.toBeDefined() // answered before the failing one: yet rolled back
    expect(await rows()).toEqual([1])
    // A pipelined write that succeeds commits: the same shape, no conflict.
    await sql.begin((tx) => {
      tx`insert into pool_probe values (3, 'tx')`.execute().catch(() => undefined)
      return null
    })
    expect(await rows()).toEqual([1, 3])
  } finally {
    await sql.end()
  }
})
