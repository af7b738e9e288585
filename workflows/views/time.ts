/** The one way the views write instants and deadlines on the wire. */
import type { Deadline } from '../core/index.ts'

/** ISO 8601 UTC of an instant; null stays null (undefined too, for optional points). */
export function iso(t: number): string
export function iso(t: number | null | undefined): string | null
export function iso(t: number | null | undefined): string | null {
  return t === null || t === undefined ? null : new Date(t).toISOString()
}

/** A deadline as every screen receives it. */
export const deadlineJson = (d: Deadline) => ({
  rule: d.rule,
  title: d.title,
  startAt: iso(d.startAt),
  dueAt: iso(d.dueAt),
  warnAt: iso(d.warnAt),
  status: d.status,
  metAt: iso(d.metAt),
})
