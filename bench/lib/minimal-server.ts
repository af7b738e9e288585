import { createHash } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { connect } from '../../workflows/runtime/platform/connect.ts'

/**
 * The honest ingest baseline: the stack a team would build without Xinlian's clinical work —
 * Hono on @hono/node-server and postgres.js (the same pool size), one endpoint that takes an
 * event, locks its case row, stores the event with the same idempotency check (same id and same
 * body → 200, same id and another body → 409) in one transaction, and answers 201. No auth, no
 * fold, no rules, no timers, no projection, no NOTIFY.
 */
export async function startMinimalServer(
  url: string,
  caseIds: readonly string[],
  pool = 20,
): Promise<{ base: string; stop: () => Promise<void> }> {
  const sql = connect(url, pool)
  await sql`create table if not exists min_cases (id uuid primary key)`
  await sql`create table if not exists min_events (id uuid primary key, case_id uuid not null references min_cases(id),
            type text not null, at timestamptz not null, data jsonb not null, body_hash text not null,
            recorded_at timestamptz not null default now())`
  await sql`insert into min_cases (id) select unnest(${caseIds as string[]}::uuid[]) on conflict do nothing`
  const app = new Hono().post('/api/cases/:id/events', async (c) => {
    const raw = await c.req.text()
    let body: { id?: unknown; type?: unknown; at?: unknown }
    try {
      body = JSON.parse(raw) as typeof body
    } catch {
      return c.json({ error: 'bad_json' }, 400)
    }
    if (typeof body.id !== 'string' || typeof body.type !== 'string' || typeof body.at !== 'string')
      return c.json({ error: 'invalid' }, 422)
    const hash = createHash('sha256').update(raw).digest('hex')
    const caseId = c.req.param('id')
    const status = await sql.begin(async (tx) => {
      const [row] = await tx`select id from min_cases where id = ${caseId} for update`
      if (!row) return 404
      const ins = await tx`insert into min_events (id, case_id, type, at, data, body_hash)
        values (${body.id as string}, ${caseId}, ${body.type as string}, ${body.at as string}, ${raw}::jsonb, ${hash})
        on conflict (id) do nothing returning id`
      if (ins.length) return 201
      const [prev] = await tx<
        { h: string }[]
      >`select body_hash as h from min_events where id = ${body.id as string}`
      return prev?.h === hash ? 200 : 409
    })
    return c.json({ id: body.id }, status as 201)
  })
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
  })
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      await new Promise<void>((r) => server.close(() => r()))
      await sql.end()
    },
  }
}
