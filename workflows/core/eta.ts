/**
 * Arrival estimate of a patient on the road (docs/ambulance.md). Without a position the ETA is
 * the departure plus the network's travel-matrix minutes. With positions of the transporting
 * phone it is corrected by the remaining straight-line progress towards the destination and by
 * the observed closing speed over the recent fixes. No map service: the county may have no map
 * access, so the estimate says how uncertain it is instead of pretending to know the road.
 */
import { facilityById, travelMinutes, type NetworkInfo } from './network.ts'
import type { TimePoints } from './time-points.ts'
import { minutes, type Instant } from './time.ts'

export interface PositionFix {
  at: Instant
  lat: number
  lon: number
  accuracyM: number
}

export type EtaSource = 'position' | 'travel_matrix'

export interface Eta {
  departedAt: Instant
  fromFacilityId: string
  toFacilityId: string
  /** null when the matrix has no time for this road and no usable position exists. */
  etaAt: Instant | null
  etaSource: EtaSource
  /** ± minutes the estimate may be off (null with the matrix: its error is not known). */
  uncertaintyMinutes: number | null
  lastPosition: PositionFix | null
}

// A fix coarser than this (cell-tower positioning) says nothing useful about progress.
export const MAX_USEFUL_ACCURACY_M = 1_000
// The window of fixes the closing speed is measured over: long enough to smooth a bend.
const SPEED_WINDOW = minutes(5)
// Below this closing speed (6 km/h) the vehicle is stopped or going around; don't extrapolate.
const MIN_CLOSING_KM_PER_MIN = 0.1
const EARTH_RADIUS_KM = 6371.0088

/** Great-circle distance in km between two WGS-84 points. */
export function haversineKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = (d: number) => (d * Math.PI) / 180
  const dLat = rad(b.lat - a.lat)
  const dLon = rad(b.lon - a.lon)
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)))
}

/** The departure the patient is on now (after the last arrival), or null when not in transit. */
export function currentTransit(p: TimePoints): TimePoints['departures'][number] | null {
  const lastArrival = p.arrivals.at(-1)?.at ?? -Infinity
  const d = p.departures.filter((x) => x.at >= lastArrival && x.toFacilityId !== '').at(-1)
  return d ?? null
}

/**
 * The departure of a case's open transfer: its latest departure, when the patient has not arrived
 * at that destination since and the case is open; null otherwise. The incoming board of the
 * destination lists the case while this holds (stored as `cases.heading_to`).
 */
export function openDeparture(s: {
  points: TimePoints
  closed: boolean
}): TimePoints['departures'][number] | null {
  const d = s.points.departures.at(-1)
  if (!d || s.closed) return null
  const arrived = s.points.arrivals.some((a) => a.facilityId === d.toFacilityId && a.at >= d.at)
  return arrived ? null : d
}

const coords = (f: { lat?: number | null; lon?: number | null } | undefined) =>
  f && typeof f.lat === 'number' && typeof f.lon === 'number' ? { lat: f.lat, lon: f.lon } : null

/**
 * The ETA of the case's current transit, or null when the patient is not on the road.
 * `fixes` are the vehicle's positions (any order); only those since the departure count.
 */
export function etaOf(
  points: TimePoints,
  network: NetworkInfo,
  fixes: readonly PositionFix[],
  now: Instant,
): Eta | null {
  const dep = currentTransit(points)
  if (dep === null) return null
  const matrix = travelMinutes(network, dep.facilityId, dep.toFacilityId)
  const base: Eta = {
    departedAt: dep.at,
    fromFacilityId: dep.facilityId,
    toFacilityId: dep.toFacilityId,
    etaAt: matrix === null ? null : dep.at + minutes(matrix),
    etaSource: 'travel_matrix',
    uncertaintyMinutes: null,
    lastPosition: null,
  }
  const track = fixes.filter((f) => f.at >= dep.at && f.at <= now).sort((a, b) => a.at - b.at)
  base.lastPosition = track.at(-1) ?? null
  const dest = coords(facilityById(network, dep.toFacilityId))
  const usable = track.filter((f) => f.accuracyM <= MAX_USEFUL_ACCURACY_M)
  const last = usable.at(-1)
  if (dest === null || last === undefined) return base

  const remainingKm = haversineKm(last, dest)
  // Where the straight line began: the origin facility, or (an ambulance has no fixed place)
  // the first usable fix of this transit.
  const origin = coords(facilityById(network, dep.facilityId)) ?? usable[0]!
  const totalKm = Math.max(haversineKm(origin, dest), remainingKm)
  const accuracyKm = last.accuracyM / 1_000

  const estimates: number[] = []
  // 1. The matrix time scaled by the share of the straight line still to go.
  if (matrix !== null && totalKm > 0) estimates.push(matrix * (remainingKm / totalKm))
  // 2. The observed closing speed over the recent fixes.
  const recent = usable.filter((f) => f.at >= last.at - SPEED_WINDOW)
  const firstRecent = recent[0]!
  const spanMin = (last.at - firstRecent.at) / minutes(1)
  let closing: number | null = null
  if (spanMin > 0) {
    const v = (haversineKm(firstRecent, dest) - remainingKm) / spanMin
    if (v >= MIN_CLOSING_KM_PER_MIN) closing = v
  }
  if (closing !== null) estimates.push(remainingKm / closing)
  if (estimates.length === 0) return base

  const remainingMin = estimates.reduce((a, b) => a + b, 0) / estimates.length
  const spread = estimates.length > 1 ? Math.abs(estimates[0]! - estimates[1]!) / 2 : remainingMin / 4
  const kmPerMin = closing ?? (matrix !== null && matrix > 0 ? totalKm / matrix : MIN_CLOSING_KM_PER_MIN)
  const uncertainty = spread + accuracyKm / kmPerMin
  return {
    ...base,
    // Never earlier than now: a stale fix or an optimistic speed must not show "arrived".
    etaAt: Math.max(now, Math.round(last.at + minutes(remainingMin))),
    etaSource: 'position',
    uncertaintyMinutes: Math.max(1, Math.ceil(uncertainty)),
  }
}
