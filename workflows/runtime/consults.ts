/**
 * The cardiologists' consult inbox: every case with a transmitted ECG. A consult is open while
 * it still needs a cardiologist — the ECG unread, or a STEMI read whose lysis decision is
 * pending (strategy not yet settled otherwise) — on an active case.
 */
import type { Q } from './platform/connect.ts'
import { fold, RELATIVE_CONTRAINDICATIONS, type CaseState } from '../core/index.ts'
import { namesOf } from './store/users.ts'
import type { NetworkCache } from './network-cache.ts'
import { caseInfoOf, dbNow, listCases, loadEventsOf } from './store/cases.ts'

const iso = (t: number | null | undefined) =>
  t === null || t === undefined ? null : new Date(t).toISOString()

export function consultOpen(s: CaseState): boolean {
  const p = s.points
  if (s.closed || p.firstTransmitted === null || p.decision !== null) return false
  if (p.firstDiagnosis === null) return true
  if (!p.diagnoses.some((d) => d.diagnosis === 'stemi')) return false
  return p.strategyChosen === null || p.strategyChosen.strategy === 'pharmacoinvasive'
}

export async function consultInbox(
  q: Q,
  networks: NetworkCache,
  networkId: string,
  status: 'open' | 'all',
  limit = 200,
) {
  const rows = await listCases(q, { networkId, status: status === 'open' ? 'active' : 'all', limit: 1000 })
  const [network, events, now] = await Promise.all([
    networks.get(q, networkId),
    loadEventsOf(
      q,
      rows.map((r) => r.id),
    ),
    dbNow(q),
  ])
  const states = rows
    .map((r) => fold(caseInfoOf(r), events.get(r.id) ?? [], network))
    .filter((s) => s.points.firstTransmitted !== null && (status === 'all' || consultOpen(s)))
  const names = await namesOf(
    q,
    states.flatMap((s) => [s.points.consultAcknowledged?.by ?? null, s.points.decision?.by ?? null]),
  )
  const relativeLabels = new Map<string, string>(RELATIVE_CONTRAINDICATIONS.map((c) => [c.key, c.zh]))
  const out = states.map((s) => {
    const p = s.points
    const transmitted = s.events.filter((e) => e.type === 'ecg_transmitted')
    const attachmentId =
      [...transmitted].reverse().find((e) => typeof e.data.attachmentId === 'string')?.data.attachmentId ??
      null
    const ack = p.consultAcknowledged
    const opened = p.firstTransmitted!
    return {
      caseId: s.info.id,
      open: consultOpen(s),
      phase: s.phase,
      openedAt: iso(opened),
      patient: { sex: s.info.patient.sex, age: s.info.patient.age },
      facilityId: s.currentFacilityId,
      facilityName: network.facilities.find((f) => f.id === s.currentFacilityId)?.name ?? null,
      attachmentId: attachmentId as string | null,
      acknowledgedAt: iso(ack?.at),
      acknowledgedBy: ack?.by ?? null,
      acknowledgedByName: ack?.by ? (names.get(ack.by) ?? null) : null,
      diagnosis: p.diagnoses.at(-1)?.diagnosis ?? null,
      decision: p.decision
        ? {
            decision: p.decision.decision,
            reason: p.decision.reason,
            at: iso(p.decision.at),
            byName: p.decision.by ? (names.get(p.decision.by) ?? null) : null,
          }
        : null,
      // Until someone opened it: how long the township has been waiting.
      waitingSeconds: Math.max(0, Math.round(((ack?.at ?? now) - opened) / 1000)),
      relativeContraindications: p.checklist
        ? p.checklist.relative.map((k) => ({ key: k, label: relativeLabels.get(k) ?? k }))
        : null,
    }
  })
  out.sort((a, b) => Number(b.open) - Number(a.open) || a.openedAt!.localeCompare(b.openedAt!))
  return out.slice(0, limit)
}
