/**
 * The network's own planning question: for which township is "lyse here, then transfer" better
 * than "transfer for primary PCI"? Pure: the runtime hands in the last months' STEMI cases of
 * each lysis-capable non-PCI facility (from the QA projection) and the travel matrix; the admin
 * may try other road times and another county door-to-wire. docs/network-planning.md.
 *
 * The rule is the strategy advice's (docs/clinical-rules.md): primary PCI when diagnosis-to-wire
 * can be ≤ 120 min (ESC 2023; CSC 2019), else lysis within 10 min then transfer. Per facility:
 *   expected diagnosis-to-wire = median(diagnosis → door-out) + travel to the PCI center
 *                                + county door-to-wire
 * and the share of its STEMI patients whose own diagnosis → door-out would have put them over 120.
 */
import { isPciCenter, nearestPciCenter, type NetworkInfo } from './network.ts'

/** The primary-PCI threshold of the strategy advice (ESC 2023 §5; CSC 2019). */
export const PCI_WITHIN_MINUTES = 120
/** Door-in-door-out target of the China chest-pain-center standard: ≤ 30 min. */
export const DIDO_TARGET_MINUTES = 30

/** One STEMI case that began at (or passed through) a lysis-capable non-PCI facility. */
export interface WhatIfCase {
  facilityId: string
  /** Minutes from the STEMI diagnosis to leaving the facility; null when not transferred or not known. */
  diagnosisToDoorOut: number | null
  doorToNeedle: number | null
  doorInDoorOut: number | null
}

export interface WhatIfOptions {
  /** Replace a facility's road time to its PCI center. */
  travel?: Readonly<Record<string, number>>
  /** Replace the county's door-to-wire (default: the network's expected value). */
  doorToWire?: number
}

export type WhatIfRecommendation = 'lysis_first' | 'transfer_first' | 'improve_dido'

export interface WhatIfReason {
  key: 'over_120' | 'within_120' | 'dido_over_target' | 'no_cases' | 'no_travel'
  params: Record<string, number>
}

export interface WhatIfFacility {
  facilityId: string
  stemiCases: number
  medianDoorToNeedle: number | null
  medianDido: number | null
  travelToPciMinutes: number | null
  /** median diagnosis → door-out + travel + door-to-wire; null without travel time. */
  expectedDiagnosisToWire: number | null
  /** Share (0–1) of the facility's transferred STEMI patients whose own delay would pass 120 min. */
  shareOver120: number | null
  recommendation: WhatIfRecommendation
  reasons: WhatIfReason[]
}

/**
 * The middle of a list once sorted: its length and the value(s) its median is taken from (the
 * two middle values of an even length, the middle one twice of an odd). What the what-if needs
 * of a facility's year of values, without the values (the store computes it in SQL).
 */
export interface Middle {
  n: number
  lo: number | null
  hi: number | null
}

export function middleOf(xs: readonly number[]): Middle {
  if (!xs.length) return { n: 0, lo: null, hi: null }
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return { n: s.length, lo: s.length % 2 ? s[m]! : s[m - 1]!, hi: s[m]! }
}

/** The median of a list from its middle (mean of the two middle values), or null when empty. */
export const medianOfMiddle = (m: Middle): number | null =>
  m.lo === null || m.hi === null ? null : m.n % 2 ? m.hi : (m.lo + m.hi) / 2

/** Median of a list (mean of the two middle values), or null when empty. */
export const median = (xs: readonly number[]): number | null => medianOfMiddle(middleOf(xs))

const round1 = (x: number) => Math.round(x * 10) / 10

/** Where one facility's road and the county's door-to-wire put a patient relative to 120 minutes. */
export interface WhatIfLimit {
  facilityId: string
  /** Road minutes to the PCI center (the request's, else the matrix's); null when none. */
  travel: number | null
  doorToWire: number
}

/** The facilities the what-if reports (lysis-capable, no cath lab), each with its limit. */
export function whatIfLimits(network: NetworkInfo, opts: WhatIfOptions = {}): WhatIfLimit[] {
  const doorToWire = opts.doorToWire ?? network.expectedDoorToWireMinutes
  return network.facilities
    .filter((f) => f.canLyse && !isPciCenter(f))
    .map((f) => ({
      facilityId: f.id,
      travel: opts.travel?.[f.id] ?? nearestPciCenter(network, f.id)?.minutes ?? null,
      doorToWire,
    }))
}

/** What the what-if needs of one facility's STEMI cases of the period. */
export interface WhatIfFacts {
  facilityId: string
  stemiCases: number
  doorToNeedle: Middle
  doorInDoorOut: Middle
  diagnosisToDoorOut: Middle
  /** Transferred cases whose diagnosis → door-out + travel + door-to-wire > 120 min; null without travel. */
  over120: number | null
}

/**
 * The facts of each limit's facility from its cases: the definition the store's SQL aggregate
 * (workflows/runtime/store/what-if.ts) reproduces, the same float arithmetic in the same order.
 */
export function factsOf(limits: readonly WhatIfLimit[], cases: readonly WhatIfCase[]): WhatIfFacts[] {
  return limits.map(({ facilityId, travel, doorToWire }) => {
    const own = cases.filter((c) => c.facilityId === facilityId)
    const dxOut = own.flatMap((c) => (c.diagnosisToDoorOut === null ? [] : [c.diagnosisToDoorOut]))
    return {
      facilityId,
      stemiCases: own.length,
      doorToNeedle: middleOf(own.flatMap((c) => (c.doorToNeedle === null ? [] : [c.doorToNeedle]))),
      doorInDoorOut: middleOf(own.flatMap((c) => (c.doorInDoorOut === null ? [] : [c.doorInDoorOut]))),
      diagnosisToDoorOut: middleOf(dxOut),
      over120:
        travel === null ? null : dxOut.filter((m) => m + travel + doorToWire > PCI_WITHIN_MINUTES).length,
    }
  })
}

/** The what-if for every lysis-capable non-PCI facility of the network, from its cases. */
export function whatIf(
  network: NetworkInfo,
  cases: readonly WhatIfCase[],
  opts: WhatIfOptions = {},
): WhatIfFacility[] {
  return whatIfFromFacts(network, factsOf(whatIfLimits(network, opts), cases), opts)
}

const NO_VALUES: Middle = { n: 0, lo: null, hi: null }

/** The what-if from each facility's facts (`factsOf`, or the store's aggregate of the same). */
export function whatIfFromFacts(
  network: NetworkInfo,
  facts: readonly WhatIfFacts[],
  opts: WhatIfOptions = {},
): WhatIfFacility[] {
  const byFacility = new Map(facts.map((f) => [f.facilityId, f]))
  return whatIfLimits(network, opts).map(({ facilityId, travel, doorToWire }) => {
    const f = byFacility.get(facilityId) ?? {
      facilityId,
      stemiCases: 0,
      doorToNeedle: NO_VALUES,
      doorInDoorOut: NO_VALUES,
      diagnosisToDoorOut: NO_VALUES,
      over120: travel === null ? null : 0,
    }
    const d2n = medianOfMiddle(f.doorToNeedle)
    const dido = medianOfMiddle(f.doorInDoorOut)
    const dxOutN = f.diagnosisToDoorOut.n
    // Without observed transfers, assume the standard's DIDO target is met (the optimistic case).
    const dxOutMedian = medianOfMiddle(f.diagnosisToDoorOut) ?? DIDO_TARGET_MINUTES
    const expected = travel === null ? null : round1(dxOutMedian + travel + doorToWire)
    const shareOver120 =
      travel === null || !dxOutN || f.over120 === null ? null : Math.round((f.over120 / dxOutN) * 100) / 100
    const reasons: WhatIfReason[] = []
    let recommendation: WhatIfRecommendation
    if (travel === null || expected === null) {
      // No road time to a PCI center: the patient cannot be transferred in time by any estimate.
      reasons.push({ key: 'no_travel', params: {} })
      recommendation = 'lysis_first'
    } else if (expected <= PCI_WITHIN_MINUTES) {
      reasons.push({ key: 'within_120', params: { minutes: expected, limit: PCI_WITHIN_MINUTES } })
      recommendation = 'transfer_first'
    } else {
      reasons.push({ key: 'over_120', params: { minutes: expected, limit: PCI_WITHIN_MINUTES } })
      // If only a slow door-out stands between the patient and primary PCI, fix that first.
      const atTarget = Math.min(dxOutMedian, DIDO_TARGET_MINUTES) + travel + doorToWire
      if (dxOutMedian > DIDO_TARGET_MINUTES && atTarget <= PCI_WITHIN_MINUTES) {
        reasons.push({
          key: 'dido_over_target',
          params: { minutes: round1(dxOutMedian), target: DIDO_TARGET_MINUTES, atTarget: round1(atTarget) },
        })
        recommendation = 'improve_dido'
      } else {
        recommendation = 'lysis_first'
      }
    }
    if (!f.stemiCases) reasons.push({ key: 'no_cases', params: {} })
    return {
      facilityId,
      stemiCases: f.stemiCases,
      medianDoorToNeedle: d2n === null ? null : round1(d2n),
      medianDido: dido === null ? null : round1(dido),
      travelToPciMinutes: travel,
      expectedDiagnosisToWire: expected,
      shareOver120,
      recommendation,
      reasons,
    }
  })
}
