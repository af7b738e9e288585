import { Hono } from 'hono'
import { z } from 'zod'
import { facilitiesOf, networkHeader, rotaBetween, travelOf } from '../../workflows/runtime/store/network.ts'
import { requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { op, IsoTime, type Operation } from '../http/contract.ts'

/** `GET /api/network` — the caller's own network only: facilities, travel times, rota for the next 48 h. */
export const networkRoutes = new Hono<AppEnv>().use(requireUser).get('/', async (c) => {
  const { sql } = c.var.deps
  const networkId = c.var.ctx.networkId
  const now = new Date()
  const [network, facilities, travel, rota] = await Promise.all([
    networkHeader(sql, networkId),
    facilitiesOf(sql, networkId),
    travelOf(sql, networkId),
    rotaBetween(
      sql,
      networkId,
      new Date(now.getTime() - 12 * 3600_000),
      new Date(now.getTime() + 48 * 3600_000),
    ),
  ])
  return c.json({ network, facilities, travel, rota })
})

export const networkContract: Operation[] = [
  op({
    method: 'GET',
    path: '/api/network',
    summary: "The caller's network: facilities, travel times, rota (48 h)",
    roles: 'any',
    response: z.object({
      network: z.object({
        id: z.uuid(),
        name: z.string(),
        nameEn: z.string().nullable(),
        settings: z.looseObject({ checklist: z.enum(['cn', 'esc']), expectedDoorToWireMinutes: z.number() }),
      }),
      facilities: z.array(
        z.object({
          id: z.uuid(),
          name: z.string(),
          nameEn: z.string().nullable(),
          level: z.string(),
          address: z.string().nullable(),
          hasCathLab: z.boolean(),
          lysisDrugs: z.array(z.string()),
          canLyse: z.boolean(),
          active: z.boolean(),
          lat: z.number().nullable(),
          lon: z.number().nullable(),
          parentFacilityId: z.uuid().nullable(),
        }),
      ),
      travel: z.array(z.object({ from: z.uuid(), to: z.uuid(), minutes: z.number() })),
      rota: z.array(
        z.object({
          line: z.enum(['first', 'second']),
          userId: z.uuid(),
          displayName: z.string(),
          startsAt: IsoTime,
          endsAt: IsoTime,
        }),
      ),
    }),
  }),
]
