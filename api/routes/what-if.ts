import { Hono } from 'hono'
import { z } from 'zod'
import { problem } from '../../workflows/core/problem.ts'
import { networkWhatIf } from '../../workflows/runtime/planning/what-if.ts'
import { requireRole, requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { op, IsoTime, type Operation } from '../http/contract.ts'
import { readQuery } from '../http/validate.ts'

const Query = z
  .object({
    months: z.coerce.number().int().min(1).max(36).default(12),
    doorToWire: z.coerce.number().int().min(0).max(600).optional(),
  })
  .catchall(z.string())

const TRAVEL_KEY = /^travel\[([0-9a-f-]{36})\]$/i

/**
 * `GET /api/network/what-if?months=12&doorToWire=45&travel[<facilityId>]=30` — for each
 * lysis-capable township: expected diagnosis-to-wire by transfer, the share that would miss
 * 120 min, observed D2N and DIDO, and the recommendation with its reasons.
 */
export const whatIfRoutes = new Hono<AppEnv>()
  .use(requireUser, requireRole('admin', 'qa', 'cardiologist'))
  .get('/', async (c) => {
    const { months, doorToWire, ...rest } = readQuery(c, Query)
    const travel: Record<string, number> = {}
    for (const [k, v] of Object.entries(rest)) {
      const m = TRAVEL_KEY.exec(k)
      if (!m) throw problem('invalid', k)
      const minutes = Number(v)
      if (!Number.isInteger(minutes) || minutes < 0 || minutes > 1440) throw problem('invalid', k)
      travel[m[1]!.toLowerCase()] = minutes
    }
    const r = await networkWhatIf(c.var.deps.sql, c.var.user.networkId, months, {
      travel,
      ...(doorToWire === undefined ? {} : { doorToWire }),
    })
    return c.json(r)
  })

export const whatIfContract: Operation[] = [
  op({
    method: 'GET',
    path: '/api/network/what-if',
    summary: 'Lysis-first or transfer-first per township (also travel[<facilityId>]=minutes)',
    roles: 'admin, qa, cardiologist',
    query: Query,
    response: z.object({
      since: IsoTime,
      doorToWire: z.number(),
      facilities: z.array(
        z.object({
          facilityId: z.uuid(),
          stemiCases: z.number().int(),
          medianDoorToNeedle: z.number().nullable(),
          medianDido: z.number().nullable(),
          travelToPciMinutes: z.number().nullable(),
          expectedDiagnosisToWire: z.number().nullable(),
          shareOver120: z.number().nullable(),
          recommendation: z.enum(['lysis_first', 'transfer_first', 'improve_dido']),
          reasons: z.array(
            z.object({
              key: z.enum(['over_120', 'within_120', 'dido_over_target', 'no_cases', 'no_travel']),
              params: z.record(z.string(), z.number()),
            }),
          ),
        }),
      ),
    }),
  }),
]
