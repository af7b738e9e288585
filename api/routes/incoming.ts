import { Hono } from 'hono'
import { z } from 'zod'
import { incomingCases } from '../../workflows/runtime/incoming.ts'
import { requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { op, IsoTime, IsoTimeOrNull, type Operation } from '../http/contract.ts'

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
    response: z.object({
      cases: z.array(
        z.object({
          id: z.uuid(),
          patient: z.object({ sex: z.enum(['male', 'female']), age: z.number() }),
          from: z.object({ facilityId: z.uuid(), name: z.string().nullable() }),
          to: z.object({ facilityId: z.uuid(), name: z.string().nullable() }),
          diagnosis: z.string().nullable(),
          strategy: z.string().nullable(),
          lysedAt: IsoTimeOrNull,
          departedAt: IsoTime,
          etaAt: IsoTimeOrNull,
          etaSource: z.enum(['travel_matrix', 'position']),
          uncertaintyMinutes: z.number().nullable(),
          lastPosition: z
            .object({ at: IsoTime, lat: z.number(), lon: z.number(), accuracyM: z.number() })
            .nullable(),
          travelMinutes: z.number().nullable(),
          cathLab: z.object({ activatedAt: IsoTimeOrNull, readyAt: IsoTimeOrNull }),
        }),
      ),
    }),
  }),
]
