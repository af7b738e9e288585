import { z } from 'zod'
import { Hono } from 'hono'
import { ping } from '../../workflows/runtime/platform/connect.ts'
import type { AppEnv } from '../http/env.ts'
import { op, type Operation } from '../http/contract.ts'

/** `GET /api/health` — database and job queue status; no sign-in (for load balancers and monitoring). */
export const healthRoutes = new Hono<AppEnv>().get('/', async (c) => {
  const { sql, boss } = c.var.deps
  const started = Date.now()
  let database: { ok: boolean; latencyMs?: number; error?: string }
  try {
    await ping(sql)
    database = { ok: true, latencyMs: Date.now() - started }
  } catch (e) {
    database = { ok: false, error: String(e) }
  }
  let jobs: { ok: boolean; queues?: number; error?: string }
  try {
    const queues = await boss.getQueues()
    jobs = { ok: true, queues: queues.length }
  } catch (e) {
    jobs = { ok: false, error: String(e) }
  }
  const ok = database.ok && jobs.ok
  return c.json({ ok, database, jobs }, ok ? 200 : 503)
})

const Status = z.object({
  ok: z.boolean(),
  latencyMs: z.number().optional(),
  queues: z.number().optional(),
  error: z.string().optional(),
})

export const healthContract: Operation[] = [
  op({
    method: 'GET',
    path: '/api/health',
    summary: 'Database and job-queue status (503 with the same body when either is down)',
    roles: 'public',
    response: z.object({ ok: z.boolean(), database: Status, jobs: Status }),
  }),
]
