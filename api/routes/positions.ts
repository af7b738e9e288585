import { Hono } from 'hono'
import { z } from 'zod'
import { Uuid } from '../http/params.ts'
import { currentTransit, fold, FUTURE_LIMIT, parseInstant } from '../../workflows/core/index.ts'
import { problem } from '../../workflows/core/problem.ts'
import { canSeeCase, isClinical } from '../../workflows/core/access.ts'
import { caseInfoOf, dbNow, getCase, loadEvents } from '../../workflows/runtime/store/cases.ts'
import { addPosition } from '../../workflows/runtime/store/positions.ts'
import { requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { op, uuidParams, type Operation } from '../http/contract.ts'
import { readJson } from '../http/validate.ts'

export const PositionBody = z.strictObject({
  at: z.iso.datetime({ offset: true }),
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  // The Geolocation API's accuracy radius; beyond 100 km it is not a position at all.
  accuracyM: z.number().min(0).max(100_000),
})

/**
 * `POST /api/cases/:id/positions` — a fix of the transporting phone (docs/ambulance.md), from the
 * case's crew or the transferring physician, only while the case is on the road.
 */
export const positionRoutes = new Hono<AppEnv>().use(requireUser).post('/:id/positions', async (c) => {
  const user = c.var.user
  const id = c.req.param('id')
  if (!Uuid.safeParse(id).success) throw problem('not_found')
  const { sql, rt } = c.var.deps
  const row = await getCase(sql, id)
  if (!row || !canSeeCase(user, row)) throw problem('not_found')
  const body = await readJson(c, PositionBody)
  const network = await rt.networks.get(sql, row.networkId)
  const [events, now] = await Promise.all([loadEvents(sql, id), dbNow(sql)])
  const state = fold(caseInfoOf(row), events, network)
  const transit = state.closed ? null : currentTransit(state.points)
  if (transit === null) throw problem('not_in_transit')
  // The crew of the case, or a clinician of the facility the patient left from.
  const mayShare =
    isClinical(user) && (user.roles.includes('ems_crew') || user.facilityIds.includes(transit.facilityId))
  if (!mayShare) throw problem('forbidden')
  const at = parseInstant(body.at)!
  if (at > now + FUTURE_LIMIT || at < transit.at) throw problem('invalid', 'at')
  const stored = await addPosition(sql, id, user.id, { ...body, at: new Date(at) })
  return c.json({ stored }, stored ? 201 : 200)
})

export const positionsContract: Operation[] = [
  op({
    method: 'POST',
    path: '/api/cases/:id/positions',
    summary: 'A position fix of the transporting vehicle (only while in transit): 201 stored, 200 duplicate',
    roles: 'ems_crew, transferring physician (scoped)',
    params: uuidParams('id'),
    body: PositionBody,
    status: 201,
    response: z.object({ stored: z.boolean() }),
  }),
]
