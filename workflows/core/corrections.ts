/**
 * Corrections (docs/clinical-rules.md): events are never edited; a `correction {eventId, changes, reason}`
 * amends an earlier clinical event. They are applied here, before anything is derived, so
 * every time point, deadline and metric sees corrected values.
 */
import type { CaseEvent } from './case-model.ts'
import { isSystemEventType } from './event-types.ts'
import { parseInstant } from './time.ts'

export interface AppliedCorrection {
  correctionId: string
  targetId: string
  fields: string[]
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Apply `changes` to an event: `at` (ISO string) moves the clinical time; any other key
 * replaces that payload field, except that a nested object (the checklist `answers`) is merged
 * key by key so a correction can fix one answer without restating all seventeen.
 */
export function applyChanges(target: CaseEvent, changes: Record<string, unknown>): CaseEvent {
  let at = target.at
  const data: Record<string, unknown> = { ...target.data }
  for (const [k, v] of Object.entries(changes)) {
    if (k === 'at') {
      const t = typeof v === 'string' ? parseInstant(v) : null
      if (t !== null) at = t
      continue
    }
    const old = data[k]
    data[k] = isPlainObject(old) && isPlainObject(v) ? { ...old, ...v } : v
  }
  return { ...target, at, data }
}

/** True when an event may be the target of a correction: a stored, non-system, non-correction event. */
export function isCorrectable(e: CaseEvent): boolean {
  return e.type !== 'correction' && !isSystemEventType(e.type)
}

/**
 * The clinical events with every correction applied (several corrections to one event apply
 * in recordedAt order), sorted by corrected clinical time; ties keep storage order. System
 * events and the corrections themselves are not part of the result.
 */
export function applyCorrections(events: readonly CaseEvent[]): {
  effective: CaseEvent[]
  applied: AppliedCorrection[]
} {
  const byId = new Map<string, CaseEvent>()
  const order: string[] = []
  for (const e of events) {
    if (!isCorrectable(e)) continue
    byId.set(e.id, e)
    order.push(e.id)
  }
  const applied: AppliedCorrection[] = []
  const corrections = events
    .filter((e) => e.type === 'correction')
    .sort((a, b) => a.recordedAt - b.recordedAt)
  for (const c of corrections) {
    const targetId = c.data.eventId
    const changes = c.data.changes
    if (typeof targetId !== 'string' || !isPlainObject(changes)) continue
    const target = byId.get(targetId)
    if (!target) continue
    byId.set(targetId, applyChanges(target, changes))
    applied.push({ correctionId: c.id, targetId, fields: Object.keys(changes) })
  }
  const rank = new Map(order.map((id, i) => [id, i]))
  const effective = order.map((id) => byId.get(id)!)
  effective.sort((a, b) => a.at - b.at || (rank.get(a.id) ?? 0) - (rank.get(b.id) ?? 0))
  return { effective, applied }
}
