/**
 * Where the patient is: door-in events and the facility an event happened at (docs/clinical-rules.md:
 * "Facility of an event: data.facilityId when given, else the case's current facility").
 */
import type { CaseEvent, CaseInfo } from './case-model.ts'
import { facilityById, type NetworkInfo } from './network.ts'
import type { FacilityLevel } from './roles.ts'
import type { Instant } from './time.ts'

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null)
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined)

export interface Arrival {
  eventId: string
  facilityId: string
  /** null when the facility is not in the network (data problem, flagged elsewhere). */
  level: FacilityLevel | null
  at: Instant
  bypassedEd?: boolean
  bypassedCcu?: boolean
}

/**
 * Where the patient is at time `t`: the facility of the last arrival at or before `t`, else
 * the facility where the case was started.
 */
export function facilityAt(arrivals: readonly Arrival[], startFacilityId: string, t: Instant): string {
  let current = startFacilityId
  for (const a of arrivals) if (a.at <= t) current = a.facilityId
  return current
}

/** The facility of an event: `data.facilityId` when given, else where the patient was at that time. */
export function eventFacility(e: CaseEvent, arrivals: readonly Arrival[], startFacilityId: string): string {
  return str(e.data.facilityId) ?? facilityAt(arrivals, startFacilityId, e.at)
}

/**
 * Where care began: the FMC facility when recorded (a village rescue point has no `arrived`),
 * else the facility the case was started at.
 */
export function startFacilityOf(info: CaseInfo, effective: readonly CaseEvent[]): string {
  const fmc = effective.find((e) => e.type === 'first_medical_contact')
  return str(fmc?.data.facilityId) ?? info.facilityId
}

/** Arrivals (door-in events) in clinical order. */
export function arrivalsOf(effective: readonly CaseEvent[], network: NetworkInfo): Arrival[] {
  const out: Arrival[] = []
  for (const e of effective) {
    if (e.type !== 'arrived') continue
    const facilityId = str(e.data.facilityId)
    if (facilityId === null) continue
    const a: Arrival = {
      eventId: e.id,
      facilityId,
      level: facilityById(network, facilityId)?.level ?? null,
      at: e.at,
    }
    const ed = bool(e.data.bypassedEd)
    const ccu = bool(e.data.bypassedCcu)
    if (ed !== undefined) a.bypassedEd = ed
    if (ccu !== undefined) a.bypassedCcu = ccu
    out.push(a)
  }
  return out
}
