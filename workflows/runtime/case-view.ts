import type { Q } from './platform/connect.ts'
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
import type { CaseRow } from './store/cases.ts'

const iso = (t: number | null | undefined) =>
  t === null || t === undefined ? null : new Date(t).toISOString()

/** Display names of the people on a timeline (one query). */
export async function namesOf(q: Q, ids: readonly (string | null)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((x): x is string => !!x))]
  if (!wanted.length) return new Map()
  const rows = await q<{ id: string; displayName: string }[]>`
    select id, display_name as "displayName" from users where id = any(${wanted}::uuid[])`
  return new Map(rows.map((r) => [r.id, r.displayName]))
}

/** `GET /api/cases/:id` — SPEC §8 shape plus what the screens need (advice, dose, consult receipt). */
export async function caseView(q: Q, row: CaseRow, state: CaseState, network: NetworkInfo, now: number) {
  const p = state.points
  const names = await namesOf(q, [
    ...state.events.map((e) => e.by),
    ...state.acknowledgements.map((a) => a.by),
  ])
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
    deadlines: plan(state, network, now).map((d) => ({
      rule: d.rule,
      title: d.title,
      startAt: iso(d.startAt),
      dueAt: iso(d.dueAt),
      warnAt: iso(d.warnAt),
      status: d.status,
      metAt: iso(d.metAt),
    })),
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

export type CaseView = Awaited<ReturnType<typeof caseView>>
