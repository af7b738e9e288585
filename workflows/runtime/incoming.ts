/**
 * The incoming board of a receiving facility (the county PCI center's cath lab and ED): every
 * active case whose latest departure heads there and has not arrived yet. The expected arrival
 * is the departure plus the network's travel time (`etaSource: 'travel_matrix'`), corrected by the
 * vehicle's shared positions when there are recent ones (`etaSource: 'position'`, core/eta.ts).
 */
import { addMinutes } from 'date-fns/addMinutes'
import {
  etaOf,
  fold,
  isPciCenter,
  openDeparture,
  travelMinutes,
  type CaseState,
  type NetworkInfo,
} from '../core/index.ts'
import { isNetworkWide } from '../core/access.ts'
import type { Q } from './platform/connect.ts'
import type { NetworkCache } from './network-cache.ts'
import { caseInfoOf, dbNow, headingTo, loadEventsOf } from './store/cases.ts'
import { positionsOf } from './store/positions.ts'
import type { UserRow } from './store/users.ts'

const iso = (t: number | null | undefined) =>
  t === null || t === undefined ? null : new Date(t).toISOString()

export interface IncomingCase {
  id: string
  patient: { sex: 'male' | 'female'; age: number }
  from: { facilityId: string; name: string | null }
  to: { facilityId: string; name: string | null }
  diagnosis: string | null
  strategy: string | null
  /** Lysis given before leaving (pharmacoinvasive path). */
  lysedAt: string | null
  departedAt: string
  etaAt: string | null
  etaSource: 'travel_matrix' | 'position'
  /** How far off the estimate may be, in minutes (core/eta.ts). */
  uncertaintyMinutes: number | null
  lastPosition: { at: string; lat: number; lon: number; accuracyM: number } | null
  travelMinutes: number | null
  cathLab: { activatedAt: string | null; readyAt: string | null }
}

/** The facilities whose incoming patients `user` sees: every PCI center for county-wide roles, else their own. */
export function receivingFacilities(user: UserRow, network: NetworkInfo): string[] {
  if (isNetworkWide(user)) return network.facilities.filter(isPciCenter).map((f) => f.id)
  return user.facilityIds
}

/** The case's open transfer to one of `to`, or null once it arrived (or never left). */
export function openTransfer(s: CaseState, to: ReadonlySet<string>) {
  const d = openDeparture(s)
  return d && to.has(d.toFacilityId) ? d : null
}

export async function incomingCases(q: Q, networks: NetworkCache, user: UserRow): Promise<IncomingCase[]> {
  const network = await networks.get(q, user.networkId)
  const to = new Set(receivingFacilities(user, network))
  if (to.size === 0) return []
  // The cases on the road to `to` (cases.heading_to, migrations/0023_incoming.sql), and rows
  // projected before that column existed, by their facilities; each is folded and checked again.
  // No limit: a patient on the road must never drop off the board because other cases exist.
  const rows = await headingTo(q, user.networkId, [...to])
  const events = await loadEventsOf(
    q,
    rows.map((r) => r.id),
  )
  const name = (id: string) => network.facilities.find((f) => f.id === id)?.name ?? null
  const now = await dbNow(q)
  const open = rows
    .map((r) => ({ r, s: fold(caseInfoOf(r), events.get(r.id) ?? [], network) }))
    .map((x) => ({ ...x, d: openTransfer(x.s, to) }))
    .filter((x) => x.d !== null)
  const since = new Date(Math.min(now, ...open.map((x) => x.d!.at)))
  const fixes = await positionsOf(
    q,
    open.map((x) => x.r.id),
    since,
  )
  const out: IncomingCase[] = []
  for (const { r, s, d: dep } of open) {
    const d = dep!
    const p = s.points
    const minutes = travelMinutes(network, d.facilityId, d.toFacilityId)
    const eta = etaOf(p, network, fixes.get(r.id) ?? [], now)
    out.push({
      id: s.info.id,
      patient: { sex: s.info.patient.sex, age: s.info.patient.age },
      from: { facilityId: d.facilityId, name: name(d.facilityId) },
      to: { facilityId: d.toFacilityId, name: name(d.toFacilityId) },
      diagnosis: p.diagnoses.at(-1)?.diagnosis ?? null,
      strategy: p.strategyChosen?.strategy ?? null,
      lysedAt: iso(p.bolus?.at),
      departedAt: iso(d.at)!,
      etaAt:
        eta?.etaAt != null
          ? new Date(eta.etaAt).toISOString()
          : minutes === null
            ? null
            : addMinutes(d.at, minutes).toISOString(),
      etaSource: eta?.etaSource ?? 'travel_matrix',
      uncertaintyMinutes: eta?.uncertaintyMinutes ?? null,
      lastPosition:
        eta?.lastPosition == null
          ? null
          : { ...eta.lastPosition, at: new Date(eta.lastPosition.at).toISOString() },
      travelMinutes: minutes,
      cathLab: { activatedAt: iso(p.cathLabActivated), readyAt: iso(p.cathLabReady) },
    })
  }
  return out.sort((a, b) => (a.etaAt ?? a.departedAt).localeCompare(b.etaAt ?? b.departedAt))
}
