/**
 * The county network: facilities and travel times (docs/admin-api.md), with the look-ups the rules
 * and the strategy advice need.
 */
import type { Ladders } from './ladder.ts'
import type { FacilityLevel } from './roles.ts'

export interface Facility {
  id: string
  name: string
  level: FacilityLevel
  canLyse: boolean
  hasCathLab: boolean
  lysisDrugs: string[]
  // ambulance tier: coordinates for the position-corrected ETA, when known (WGS-84 degrees)
  lat?: number | null
  lon?: number | null
}

export interface NetworkInfo {
  id: string
  facilities: Facility[]
  travel: { from: string; to: string; minutes: number }[]
  /** The county center's expected door-to-wire in minutes (e.g. 60), used by the strategy advice. */
  expectedDoorToWireMinutes: number
  /** The network's thrombolysis checklist (docs/clinical-rules.md, "Checklists"); default `cn`. */
  checklist?: 'cn' | 'esc'
  /** The network's IANA time zone (its `timezone` setting): local times in exports. Asia/Shanghai when unset. */
  timeZone?: string
  /** The network's own alert ladders (absent: the defaults of workflows/core/ladder.ts). */
  ladders?: Partial<Ladders>
  /** Ambulance tier: whether 120 crews may give a fibrinolytic bolus in the vehicle (default false). */
  prehospitalLysis?: boolean
}

/** The facility with this id, or undefined when it is not part of the network. */
export function facilityById(network: NetworkInfo, id: string | null | undefined): Facility | undefined {
  if (id == null) return undefined
  return network.facilities.find((f) => f.id === id)
}

/**
 * A PCI center is a facility with a cath lab; when the facility record is missing we fall
 * back to its level, since only county centers have cath labs in this network model.
 */
export function isPciCenter(f: Facility | undefined): boolean {
  return f !== undefined && (f.hasCathLab || f.level === 'county')
}

/**
 * Ground travel minutes between two facilities; 0 to itself. Road times are symmetric
 * enough for triage, so a pair listed only one way is used both ways. null when unknown.
 */
export function travelMinutes(network: NetworkInfo, from: string, to: string): number | null {
  if (from === to) return 0
  const direct = network.travel.find((t) => t.from === from && t.to === to)
  if (direct) return direct.minutes
  const reverse = network.travel.find((t) => t.from === to && t.to === from)
  return reverse ? reverse.minutes : null
}

/** The PCI center nearest to `from` by travel time (the county center in a one-county network). */
export function nearestPciCenter(
  network: NetworkInfo,
  from: string,
): { facility: Facility; minutes: number } | null {
  let best: { facility: Facility; minutes: number } | null = null
  for (const f of network.facilities) {
    if (!isPciCenter(f)) continue
    const m = travelMinutes(network, from, f.id)
    if (m === null) continue
    if (best === null || m < best.minutes) best = { facility: f, minutes: m }
  }
  return best
}
