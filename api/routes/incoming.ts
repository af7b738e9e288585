import { Hono } from 'hono'
import { z } from 'zod'
import { incomingCases } from '../../workflows/runtime/incoming.ts'
import { requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { op, uuidParams, IsoTime, IsoTimeOrNull, Ok, type Operation } from '../http/contract.ts'

/**
 * `GET /api/incoming` — the patients heading to the caller's facility (any PCI center of the
 * network for county-wide roles): `{cases:[{id, from, diagnosis, strategy, departedAt, etaAt,
 * etaSource, cathLab:{activatedAt, readyAt}}]}`. Only cases the caller may see: a transfer
 * lists its destination among the case's facilities.
 */
export const incomingRoutes = new Hono<AppEnv>().use(requireUser).get('/', async (c) => {
  const { sql, rt } = c.var.deps
  return c.json({ cases: await incomingCases(sql, rt.networks, c.var.user) })
})

export const incomingContract: Operation[] = [
  op({
    method: 'GET',
    path: '/api/incoming',
    summary:
      "Incoming board: patients heading to the caller's facility (or any PCI center), ETA from the travel matrix",
    roles: 'any (scoped)',
    response: z.unknown(),
  }),
]
