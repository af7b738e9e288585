/**
 * The case phase shown on every screen, derived from time points (docs/clinical-rules.md lists it as
 * illustrative; this is the refinement). Checked from the most advanced phase back:
 *
 * - `closed`        an outcome is recorded;
 * - `reperfused`    a wire has crossed at the PCI center;
 * - `at_pci_center` the patient has arrived at the county PCI center;
 * - `transfer`      the patient is on the road (a departure after the last arrival), or a
 *                   transfer is decided and no lysis is under way;
 * - `post_lysis`    bolus given and the 60–90 min reperfusion assessment recorded;
 * - `lysed`         bolus given, assessment not yet recorded;
 * - `awaiting_lysis_decision` the lysis pathway is open (pharmacoinvasive strategy, checklist,
 *                   consent or an approval) and no needle yet; an approval keeps this phase
 *                   until the bolus because the D2N clock is still running;
 * - `diagnosed`     an ECG read other than "inconclusive" (a declined lysis returns here);
 * - `awaiting_read` an ECG was recorded and not yet read (or read as inconclusive and repeated);
 * - `awaiting_ecg`  first contact or door-in, no ECG yet (or the last read was inconclusive);
 * - `triage`        nothing but the case itself (or a symptom-onset estimate).
 */
import type { TimePoints } from './time-points.ts'

export const PHASES = [
  'triage',
  'awaiting_ecg',
  'awaiting_read',
  'diagnosed',
  'awaiting_lysis_decision',
  'lysed',
  'post_lysis',
  'transfer',
  'at_pci_center',
  'reperfused',
  'closed',
] as const
export type Phase = (typeof PHASES)[number]

/** The phase of a case from its time points (see the module comment for the ladder). */
export function phaseOf(state: { points: TimePoints }): Phase {
  const p = state.points
  if (p.outcome !== null) return 'closed'
  if (p.wire !== null) return 'reperfused'
  if (p.countyArrival !== null) return 'at_pci_center'
  const lastArrival = p.arrivals.at(-1)?.at ?? -Infinity
  const onTheRoad = p.departures.some((d) => d.at >= lastArrival)
  if (onTheRoad || (p.transferDecided !== null && p.bolus === null && !lysisPathOpen(p))) return 'transfer'
  if (p.bolus !== null)
    return p.reperfusion !== null && p.reperfusion.at >= p.bolus.at ? 'post_lysis' : 'lysed'
  if (lysisPathOpen(p)) return 'awaiting_lysis_decision'
  const last = p.diagnoses.at(-1)
  if (last !== undefined && last.diagnosis !== 'inconclusive') return 'diagnosed'
  if (last !== undefined) {
    // Inconclusive read: a repeat ECG is expected, then a new read.
    return p.ecgs.some((t) => t > last.at) ? 'awaiting_read' : 'awaiting_ecg'
  }
  if (p.firstEcg !== null) return 'awaiting_read'
  if (p.fmc !== null || p.arrivals.length > 0) return 'awaiting_ecg'
  return 'triage'
}

function lysisPathOpen(p: TimePoints): boolean {
  if (p.decision?.decision === 'declined') return false
  return (
    p.strategyChosen?.strategy === 'pharmacoinvasive' ||
    p.checklist !== null ||
    p.consentStarted !== null ||
    p.decision?.decision === 'approved'
  )
}
