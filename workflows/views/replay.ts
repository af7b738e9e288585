import { fold, isSystemEventType, plan, timersFor, type CaseEvent, type NetworkInfo } from '../core/index.ts'
import { caseInfoOf, type CaseRow } from './case-row.ts'
import { iso } from './time.ts'

export interface ReplayReport {
  caseId: string
  deadlines: { rule: string; dueAt: string; status: string; metAt: string | null }[]
  /** Alerts the rules call for, recomputed from the clinical events alone (as if entered live). */
  expectedAlerts: { key: string; at: string }[]
  /** Alerts the timeline actually recorded. */
  recordedAlerts: { key: string; at: string; type: string }[]
  missing: string[]
  unexpected: string[]
}

/**
 * Recompute a case's deadlines and alerts from its clinical events and compare them with the
 * system events it recorded. "Expected" replays the timeline as if entered live: at each clinical
 * event, the alert points of the previous state that fell due before it would have fired.
 */
export function replayCase(
  row: CaseRow,
  events: CaseEvent[],
  network: NetworkInfo,
  now: number,
): ReplayReport {
  const info = caseInfoOf(row)
  const clinical = events.filter((e) => !isSystemEventType(e.type)).sort((a, b) => a.at - b.at)
  const recorded = events.filter((e) => isSystemEventType(e.type) && e.type !== 'alert_repeated')
  const expected = new Map<string, number>()
  let live: CaseEvent[] = []
  let cursor = clinical[0]?.at ?? now
  const advance = (until: number) => {
    // Walk time forward from the last event: fire the earliest wanted, non-repeat alert point
    // (at once if it was already due when its rule started), until the next event.
    for (;;) {
      const state = fold(info, live, network)
      const due = timersFor(state, network, cursor)
        .filter((t) => t.kind !== 'repeat')
        .map((t) => ({ ...t, at: Math.max(t.at, cursor) }))
        .sort((a, b) => a.at - b.at)[0]
      if (!due || due.at > until) return
      cursor = due.at
      expected.set(due.key, due.at)
      const type =
        due.kind === 'warning' ? 'deadline_warning' : due.kind === 'missed' ? 'deadline_missed' : 'escalated'
      live = [
        ...live,
        {
          id: `replay:${due.key}`,
          caseId: row.id,
          type,
          at: due.at,
          recordedAt: due.at,
          by: null,
          data: { rule: due.rule, timerKey: due.key, kind: due.kind },
        },
      ]
    }
  }
  for (const e of clinical) {
    advance(e.at - 1)
    live = [...live, e]
    cursor = Math.max(cursor, e.at)
  }
  advance(now)
  const state = fold(info, events, network)
  const recordedKeys = new Set(recorded.map((e) => String(e.data.timerKey)))
  return {
    caseId: row.id,
    deadlines: plan(state, network, now).map((d) => ({
      rule: d.rule,
      dueAt: iso(d.dueAt),
      status: d.status,
      metAt: d.metAt === null ? null : iso(d.metAt),
    })),
    expectedAlerts: [...expected].map(([key, at]) => ({ key, at: iso(at) })),
    recordedAlerts: recorded.map((e) => ({ key: String(e.data.timerKey), at: iso(e.at), type: e.type })),
    missing: [...expected.keys()].filter((k) => !recordedKeys.has(k)),
    unexpected: [...recordedKeys].filter((k) => !expected.has(k)),
  }
}
