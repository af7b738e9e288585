/**
 * Named clinical time points derived from the effective (corrected) events: the vocabulary
 * of the rules (docs/clinical-rules.md), the metrics (docs/qa-api.md) and the registry export. Bare names are
 * Instants (epoch ms) or null; richer points carry their payload.
 */
import type { CaseEvent, CaseInfo } from './case-model.ts'
import { screenChecklist } from './checklist.ts'
import type { ArrivalMode, Diagnosis, Outcome, Strategy } from './event-payloads.ts'
import { facilityById, isPciCenter, type NetworkInfo } from './network.ts'
import { arrivalsOf, eventFacility, startFacilityOf, type Arrival } from './patient-location.ts'
import { LYSIS_ONSET_WINDOW, onsetCheck, type OnsetCheck } from './lysis-window.ts'
import type { Instant } from './time.ts'

export interface Departure {
  eventId: string
  facilityId: string
  toFacilityId: string
  at: Instant
  /** True when leaving a PCI center (not a door-in-door-out transfer). */
  fromPciCenter: boolean
}

export interface TimePoints {
  /** Where care began (FMC facility, else the case's start facility); "current" before any arrival. */
  startFacilityId: string
  symptomOnset: Instant | null
  symptomOnsetApproximate: boolean
  fmc: Instant | null
  fmcFacilityId: string | null
  arrivalMode: ArrivalMode | null
  firstEcg: Instant | null
  ecgs: Instant[]
  firstTransmitted: Instant | null
  consultAcknowledged: { by: string | null; at: Instant } | null
  firstDiagnosis: Instant | null
  /** Every ECG read, in clinical order; the last one is the working diagnosis. */
  diagnoses: { at: Instant; diagnosis: Diagnosis; by: string | null; facilityId: string }[]
  firstStemiDiagnosis: Instant | null
  /** Where the patient was when STEMI was first diagnosed. */
  stemiDiagnosisFacilityId: string | null
  /** Time of the latest strategy choice; `strategyChosen` holds what was chosen. */
  strategy: Instant | null
  strategyChosen: { at: Instant; strategy: Strategy; advice: string | null; reason: string | null } | null
  /** The latest checklist, with the server-derived screening. */
  checklist: {
    at: Instant
    facilityId: string
    result: 'suitable' | 'unsuitable'
    absolute: string[]
    relative: string[]
    weightKg: number | null
    drug: string | null
    doseMg: number | null
    doseFraction: 'full' | 'half' | null
    /** The onset window at the time of the checklist (null when the onset is unknown). */
    onset: OnsetCheck | null
    /** Indication problems: `onset_over_12h` / `onset_over_24h` (docs/clinical-rules.md). */
    indications: string[]
  } | null
  consentStarted: Instant | null
  consentSigned: Instant | null
  /** The latest lysis decision (a second one needs an override, see step.ts). */
  decision: {
    decision: 'approved' | 'declined'
    by: string | null
    at: Instant
    reason: string | null
    facilityId: string
  } | null
  bolus: {
    eventId: string
    at: Instant
    facilityId: string
    drug: string | null
    doseMg: number | null
    doseFraction: 'full' | 'half' | null
  } | null
  lysisEnd: Instant | null
  /** The first reperfusion assessment (the reperfusion-check clock and the registry's reperfusion field). */
  reperfusion: { at: Instant; stResolution: boolean; painRelief: boolean; instability: boolean } | null
  /**
   * When lysis was judged failed (docs/clinical-rules.md, "Lysis failure"): the first assessment
   * at or after the bolus with no ST resolution, ongoing pain or instability, or a later
   * re-occlusion; null while lysis counts as successful (or no bolus).
   */
  lysisFailedAt: Instant | null
  /** The first transfer decision; `transferFromFacilityId`/`transferToFacilityId` say where from and to. */
  transferDecided: Instant | null
  transferFromFacilityId: string | null
  transferToFacilityId: string | null
  arrivals: Arrival[]
  departures: Departure[]
  /** First door-in at a PCI center (the county). */
  countyArrival: Instant | null
  countyFacilityId: string | null
  cathLabActivated: Instant | null
  cathLabReady: Instant | null
  wire: Instant | null
  wireEventId: string | null
  /**
   * Bedside observations (docs/clinical-rules.md, "Clinical status"): when ongoing ischaemia or
   * haemodynamic instability (shock and arrest included) was first recorded — it opens the
   * 12–24 h lysis window — and the latest shock / arrest / Killip state.
   */
  /** Co-therapy given and complications recorded (docs/clinical-rules.md, "Co-therapy"). */
  medications: { at: Instant; drug: string; doseMg: number | null; units: number | null }[]
  complications: { at: Instant; complication: string }[]
  ischaemiaOrInstabilityAt: Instant | null
  shockOrArrest: { at: Instant; cardiogenicShock: boolean; cardiacArrest: boolean } | null
  killipClass: 1 | 2 | 3 | 4 | null
  outcome: Instant | null
  outcomeDetail: { outcome: Outcome; reason: string | null } | null
  // ambulance tier: the 120 dispatch time points (docs/ambulance.md); leaving the scene is
  // also a Departure (from the ambulance unit), so transit and arrival work as from a facility
  emsCall: Instant | null
  emsDispatched: Instant | null
  /** The vehicle left its station (出车). */
  emsDeparted: Instant | null
  emsOnScene: Instant | null
  emsLeftScene: Instant | null
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null)
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)
const fraction = (v: unknown): 'full' | 'half' | null => (v === 'full' || v === 'half' ? v : null)
const answersOf = (v: unknown): Record<string, boolean> => {
  const out: Record<string, boolean> = {}
  if (typeof v === 'object' && v !== null)
    for (const [k, a] of Object.entries(v)) if (typeof a === 'boolean') out[k] = a
  return out
}

/** Derive the named time points from effective events (already corrected and in clinical order). */
export function derivePoints(
  info: CaseInfo,
  effective: readonly CaseEvent[],
  network: NetworkInfo,
): TimePoints {
  const arrivals = arrivalsOf(effective, network)
  const start = startFacilityOf(info, effective)
  const p: TimePoints = {
    startFacilityId: start,
    symptomOnset: null,
    symptomOnsetApproximate: false,
    fmc: null,
    fmcFacilityId: null,
    arrivalMode: null,
    firstEcg: null,
    ecgs: [],
    firstTransmitted: null,
    consultAcknowledged: null,
    firstDiagnosis: null,
    diagnoses: [],
    firstStemiDiagnosis: null,
    stemiDiagnosisFacilityId: null,
    strategy: null,
    strategyChosen: null,
    checklist: null,
    consentStarted: null,
    consentSigned: null,
    decision: null,
    bolus: null,
    lysisEnd: null,
    reperfusion: null,
    lysisFailedAt: null,
    transferDecided: null,
    transferFromFacilityId: null,
    transferToFacilityId: null,
    arrivals,
    departures: [],
    countyArrival: null,
    countyFacilityId: null,
    cathLabActivated: null,
    cathLabReady: null,
    wire: null,
    wireEventId: null,
    medications: [],
    complications: [],
    ischaemiaOrInstabilityAt: null,
    shockOrArrest: null,
    killipClass: null,
    outcome: null,
    outcomeDetail: null,
    emsCall: null,
    emsDispatched: null,
    emsDeparted: null,
    emsOnScene: null,
    emsLeftScene: null,
  }
  const first = (cur: Instant | null, at: Instant): Instant => cur ?? at
  // Times at which a sign of failed lysis was recorded; only those at or after the bolus count.
  const failures: Instant[] = []
  for (const e of effective) {
    const facilityId = eventFacility(e, arrivals, start)
    const d = e.data
    switch (e.type) {
      case 'symptom_onset':
        if (p.symptomOnset === null) {
          p.symptomOnset = e.at
          p.symptomOnsetApproximate = d.approximate === true
        }
        break
      case 'first_medical_contact':
        if (p.fmc === null) {
          p.fmc = e.at
          p.fmcFacilityId = str(d.facilityId) ?? info.facilityId
          p.arrivalMode = (str(d.arrivalMode) as ArrivalMode | null) ?? null
        }
        break
      case 'arrived':
        if (p.countyArrival === null && isPciCenter(facilityById(network, str(d.facilityId)))) {
          p.countyArrival = e.at
          p.countyFacilityId = str(d.facilityId)
        }
        break
      case 'ecg_acquired':
        p.firstEcg = first(p.firstEcg, e.at)
        p.ecgs.push(e.at)
        break
      case 'ecg_transmitted':
        p.firstTransmitted = first(p.firstTransmitted, e.at)
        break
      case 'consult_acknowledged':
        p.consultAcknowledged ??= { by: e.by, at: e.at }
        break
      case 'diagnosis': {
        const diagnosis = str(d.diagnosis) as Diagnosis | null
        if (diagnosis === null) break
        p.firstDiagnosis = first(p.firstDiagnosis, e.at)
        p.diagnoses.push({ at: e.at, diagnosis, by: e.by, facilityId })
        if (diagnosis === 'stemi' && p.firstStemiDiagnosis === null) {
          p.firstStemiDiagnosis = e.at
          p.stemiDiagnosisFacilityId = facilityId
        }
        break
      }
      case 'strategy': {
        const strategy = str(d.strategy) as Strategy | null
        if (strategy === null) break
        p.strategy = e.at
        p.strategyChosen = { at: e.at, strategy, advice: str(d.advice), reason: str(d.reason) }
        break
      }
      case 'lysis_checklist': {
        // docs/clinical-rules.md: the server derives the screening result; the client's `result` is ignored.
        const s = screenChecklist(answersOf(d.answers), network.checklist ?? 'cn')
        p.checklist = {
          at: e.at,
          facilityId,
          ...s,
          weightKg: num(d.weightKg),
          drug: str(d.drug),
          doseMg: num(d.doseMg),
          doseFraction: fraction(d.doseFraction),
          onset: null,
          indications: [],
        }
        break
      }
      case 'consent_started':
        p.consentStarted = first(p.consentStarted, e.at)
        break
      case 'consent_signed':
        p.consentSigned = first(p.consentSigned, e.at)
        break
      case 'lysis_decision':
        if (d.decision === 'approved' || d.decision === 'declined')
          p.decision = { decision: d.decision, by: e.by, at: e.at, reason: str(d.reason), facilityId }
        break
      case 'lysis_bolus':
        p.bolus ??= {
          eventId: e.id,
          at: e.at,
          facilityId,
          drug: str(d.drug),
          doseMg: num(d.doseMg),
          doseFraction: fraction(d.doseFraction),
        }
        break
      case 'lysis_end':
        p.lysisEnd = first(p.lysisEnd, e.at)
        break
      case 'reperfusion_assessment': {
        const r = {
          at: e.at,
          stResolution: d.stResolution === true,
          painRelief: d.painRelief === true,
          instability: d.haemodynamicInstability === true || d.reocclusion === true,
        }
        p.reperfusion ??= r
        if (!r.stResolution || !r.painRelief || r.instability) failures.push(e.at)
        break
      }
      case 'transfer_decided':
        if (p.transferDecided === null) {
          p.transferDecided = e.at
          p.transferFromFacilityId = facilityId
          p.transferToFacilityId = str(d.toFacilityId)
        }
        break
      case 'departed': {
        const from = str(d.facilityId) ?? facilityId
        p.departures.push({
          eventId: e.id,
          facilityId: from,
          toFacilityId: str(d.toFacilityId) ?? '',
          at: e.at,
          fromPciCenter: isPciCenter(facilityById(network, from)),
        })
        break
      }
      case 'cath_lab_activated':
        p.cathLabActivated = first(p.cathLabActivated, e.at)
        break
      case 'cath_lab_ready':
        p.cathLabReady = first(p.cathLabReady, e.at)
        break
      case 'wire_crossed':
        if (p.wire === null) {
          p.wire = e.at
          p.wireEventId = e.id
        }
        break
      case 'outcome':
        if (p.outcome === null) {
          p.outcome = e.at
          p.outcomeDetail = { outcome: str(d.outcome) as Outcome, reason: str(d.reason) }
        }
        break
      case 'clinical_status': {
        const killip =
          d.killipClass === 1 || d.killipClass === 2 || d.killipClass === 3 || d.killipClass === 4
        if (killip) p.killipClass = d.killipClass as 1 | 2 | 3 | 4
        // Killip IV is cardiogenic shock.
        const shock = d.cardiogenicShock === true || d.killipClass === 4
        const arrest = d.cardiacArrest === true
        if (shock || arrest) p.shockOrArrest = { at: e.at, cardiogenicShock: shock, cardiacArrest: arrest }
        else if (d.cardiogenicShock === false || d.cardiacArrest === false) p.shockOrArrest = null
        if (d.ongoingIschaemia === true || d.haemodynamicInstability === true || shock || arrest)
          p.ischaemiaOrInstabilityAt = first(p.ischaemiaOrInstabilityAt, e.at)
        if (d.reocclusion === true) failures.push(e.at)
        break
      }
      case 'medication_given':
        p.medications.push({ at: e.at, drug: str(d.drug) ?? '', doseMg: num(d.doseMg), units: num(d.units) })
        break
      case 'complication':
        if (str(d.complication) !== null)
          p.complications.push({ at: e.at, complication: str(d.complication)! })
        break
      case 'ems_call':
        p.emsCall = first(p.emsCall, e.at)
        break
      case 'ems_dispatched':
        p.emsDispatched = first(p.emsDispatched, e.at)
        break
      case 'ems_departed':
        p.emsDeparted = first(p.emsDeparted, e.at)
        break
      case 'ems_on_scene':
        p.emsOnScene = first(p.emsOnScene, e.at)
        break
      case 'ems_left_scene': {
        p.emsLeftScene = first(p.emsLeftScene, e.at)
        const from = str(d.facilityId) ?? facilityId
        p.departures.push({
          eventId: e.id,
          facilityId: from,
          toFacilityId: str(d.toFacilityId) ?? '',
          at: e.at,
          fromPciCenter: false,
        })
        break
      }
      case 'correction':
      case 'note':
      case 'alert_acknowledged':
      case 'deadline_warning':
      case 'deadline_missed':
      case 'escalated':
      case 'alert_repeated':
        // Not time points: corrections are already applied, the rest are annotations.
        break
    }
  }
  if (p.checklist !== null) {
    // The screening shows the onset window too: outside it, lysis is unsuitable.
    const onset = onsetCheck(p, p.checklist.at)
    p.checklist.onset = onset
    if (onset !== null && !onset.within)
      p.checklist.indications = [onset.window === LYSIS_ONSET_WINDOW ? 'onset_over_12h' : 'onset_over_24h']
    if (p.checklist.indications.length > 0) p.checklist.result = 'unsuitable'
  }
  if (p.bolus !== null) {
    const bolusAt = p.bolus.at
    p.lysisFailedAt = failures.filter((at) => at >= bolusAt).sort((a, b) => a - b)[0] ?? null
  }
  return p
}

/**
 * Door-in at a facility (docs/clinical-rules.md and docs/qa-api.md): the first `arrived` there; when the patient never
 * "arrived" because care began there (a village rescue point, a walk-in recorded only as FMC),
 * the FMC at that facility is the door-in.
 */
export function doorIn(p: TimePoints, facilityId: string): Instant | null {
  const a = p.arrivals.find((x) => x.facilityId === facilityId)
  if (a) return a.at
  return p.fmcFacilityId === facilityId ? p.fmc : null
}
