import {
  adviseStrategy,
  checklistFor,
  cotherapyFor,
  metricsOf,
  workingDiagnosis,
  plan,
  recommendedDose,
  type CaseState,
  type NetworkInfo,
} from '../core/index.ts'
import type { CaseRow } from './case-row.ts'
import { deadlineJson, iso } from './time.ts'

/** `GET /api/cases/:id` — the shape README.md documents, plus what the screens need (advice, dose, consult receipt). */
export function caseView(
  row: CaseRow,
  state: CaseState,
  network: NetworkInfo,
  now: number,
  /** Display names of everyone who recorded or acknowledged (store/users.ts caseViewNames). */
  names: ReadonlyMap<string, string>,
) {
  const p = state.points
  const { values: metrics } = metricsOf(state)
  const facilityName = (id: string | null) => network.facilities.find((f) => f.id === id)?.name ?? null
  const drug =
    p.checklist?.drug ??
    network.facilities.find((f) => f.id === state.currentFacilityId)?.lysisDrugs[0] ??
    null
  const weight = p.checklist?.weightKg ?? state.info.patient.weightKg ?? null
  const checklist = checklistFor(network.checklist)
  return {
    id: row.id,
    networkId: row.networkId,
    facilityId: row.facilityId,
    facilityName: facilityName(row.facilityId),
    currentFacilityId: state.currentFacilityId,
    currentFacilityName: facilityName(state.currentFacilityId),
    patient: row.patient,
    phase: state.phase,
    status: state.closed ? 'closed' : 'active',
    createdAt: row.createdAt.toISOString(),
    createdBy: row.createdBy,
    serverTime: iso(now),
    events: state.events.map((e) => ({
      id: e.id,
      type: e.type,
      at: iso(e.at),
      recordedAt: iso(e.recordedAt),
      by: e.by,
      byName: e.by ? (names.get(e.by) ?? null) : null,
      data: e.data,
    })),
    metrics,
    deadlines: plan(state, network, now).map(deadlineJson),
    flags: state.flags,
    advice: adviseStrategy(state, network, now),
    checklist: p.checklist,
    // The network's list decides the questions asked (docs/clinical-rules.md, "Checklists").
    checklistItems: {
      variant: checklist.variant,
      absolute: checklist.absolute.map((i) => i.key),
      relative: checklist.relative.map((i) => i.key),
    },
    dose: drug ? recommendedDose(drug, weight, state.info.patient.age) : null,
    // The lysis packet: the co-therapy suggested beside the lytic dose, and what was given
    // (docs/clinical-rules.md, "Co-therapy").
    lysisPacket: {
      cotherapy: cotherapyFor(state.info.patient.age, weight),
      medicationsGiven: p.medications.map((m) => ({ ...m, at: iso(m.at) })),
      complications: p.complications.map((c) => ({ ...c, at: iso(c.at) })),
    },
    workingDiagnosis: workingDiagnosis(p),
    clinicalStatus: {
      shockOrArrest: p.shockOrArrest ? { ...p.shockOrArrest, at: iso(p.shockOrArrest.at) } : null,
      killipClass: p.killipClass,
      ischaemiaOrInstabilityAt: iso(p.ischaemiaOrInstabilityAt),
    },
    decision: p.decision
      ? { ...p.decision, at: iso(p.decision.at), byName: p.decision.by ? names.get(p.decision.by) : null }
      : null,
    consult: p.firstTransmitted
      ? {
          openedAt: iso(p.firstTransmitted),
          acknowledgedBy: p.consultAcknowledged?.by ?? null,
          acknowledgedByName: p.consultAcknowledged?.by
            ? (names.get(p.consultAcknowledged.by) ?? null)
            : null,
          acknowledgedAt: iso(p.consultAcknowledged?.at),
        }
      : null,
    acknowledgements: state.acknowledgements.map((a) => ({
      ...a,
      at: iso(a.at),
      byName: names.get(a.by) ?? null,
    })),
  }
}

export type CaseView = ReturnType<typeof caseView>
