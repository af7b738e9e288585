import { Hono } from 'hono'
import { etaOf, fold, isPciCenter, currentTransit } from '../../workflows/core/index.ts'
import { isNetworkWide } from '../../workflows/runtime/access.ts'
import { caseInfoOf, dbNow, listCases, loadEventsOf } from '../../workflows/runtime/store/cases.ts'
import { positionsOf } from '../../workflows/runtime/store/positions.ts'
import { requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'

/**
 * `GET /api/incoming` — the cases on the road to the caller's facility (any PCI center of the
 * network for cardiologists and the cath lab), with the ETA of workflows/core/eta.ts: the
 * travel matrix, corrected by the vehicle's positions when it shares them.
 */
export const incomingRoutes = new Hono<AppEnv>().use(requireUser).get('/', async (c) => {
  const user = c.var.user
  const { sql, rt } = c.var.deps
  const network = await rt.networks.get(sql, user.networkId)
  const targets = new Set(
    user.roles.includes('cardiologist') || user.roles.includes('cath_lab')
      ? network.facilities.filter(isPciCenter).map((f) => f.id)
      : user.facilityIds,
  )
  const rows = await listCases(sql, {
    networkId: user.networkId,
    status: 'active',
    limit: 500,
    ...(isNetworkWide(user) ? {} : { facilityIds: [...targets] }),
  })
  const [events, now] = await Promise.all([
    loadEventsOf(
      sql,
      rows.map((r) => r.id),
    ),
    dbNow(sql),
  ])
  const onTheRoad = rows
    .map((r) => ({ r, state: fold(caseInfoOf(r), events.get(r.id) ?? [], network) }))
    .filter(({ state }) => {
      const t = currentTransit(state.points)
      return t !== null && targets.has(t.toFacilityId)
    })
  const departures = onTheRoad.map(({ state }) => currentTransit(state.points)!.at)
  const since = new Date(Math.min(now, ...departures))
  const fixes = await positionsOf(
    sql,
    onTheRoad.map(({ r }) => r.id),
    since,
  )
  const cases = onTheRoad.map(({ r, state }) => {
    const p = state.points
    const eta = etaOf(p, network, fixes.get(r.id) ?? [], now)!
    const from = network.facilities.find((f) => f.id === eta.fromFacilityId)
    return {
      id: r.id,
      from: { id: eta.fromFacilityId, name: from?.name ?? null, level: from?.level ?? null },
      toFacilityId: eta.toFacilityId,
      diagnosis: p.diagnoses.at(-1)?.diagnosis ?? null,
      strategy: p.strategyChosen?.strategy ?? null,
      departedAt: new Date(eta.departedAt).toISOString(),
      etaAt: eta.etaAt === null ? null : new Date(eta.etaAt).toISOString(),
      etaSource: eta.etaSource,
      uncertaintyMinutes: eta.uncertaintyMinutes,
      lastPosition:
        eta.lastPosition === null
          ? null
          : { ...eta.lastPosition, at: new Date(eta.lastPosition.at).toISOString() },
      cathLab: {
        activatedAt: p.cathLabActivated === null ? null : new Date(p.cathLabActivated).toISOString(),
        readyAt: p.cathLabReady === null ? null : new Date(p.cathLabReady).toISOString(),
      },
    }
  })
  cases.sort((a, b) => (a.etaAt ?? '9').localeCompare(b.etaAt ?? '9'))
  return c.json({ cases })
})
