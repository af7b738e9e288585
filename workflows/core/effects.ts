/**
 * Effects are data (after xstate's actions): step() and fire() describe
 * what should happen; only workflows/runtime carries it out.
 */
import type { CaseState } from './fold.ts'
import type { SystemEventType } from './event-types.ts'
import type { Rejection } from './rejections.ts'
import type { Audience, RuleKey } from './rule-keys.ts'
import type { TimerSpec } from './timers.ts'
import type { Instant } from './time.ts'

export type NotifyTemplate =
  | 'consult'
  | 'deadline_warning'
  | 'deadline_missed'
  | 'escalated'
  | 'alert_repeated'
  | 'decision'
  | 'read_receipt'
  | 'cath_lab_activated'

export type Effect =
  | { kind: 'armTimer'; timer: TimerSpec }
  | { kind: 'cancelTimer'; key: string }
  | {
      kind: 'notify'
      audience: Audience[]
      template: NotifyTemplate
      rule?: RuleKey
      timerKey?: string
      caseId: string
    }
  | {
      kind: 'recordSystemEvent'
      type: SystemEventType
      at: Instant
      data: { rule: RuleKey; timerKey: string; [k: string]: unknown }
    }

export type Step = { ok: true; state: CaseState; effects: Effect[] } | Rejection

/**
 * Timer effects that turn the `before` set of wanted timers into the `after` set: arm new
 * keys and keys whose time or audience changed (the runtime replaces the job), cancel keys
 * no longer wanted.
 */
export function diffTimers(before: readonly TimerSpec[], after: readonly TimerSpec[]): Effect[] {
  const old = new Map(before.map((t) => [t.key, t]))
  const next = new Set(after.map((t) => t.key))
  const effects: Effect[] = []
  for (const t of after) {
    const o = old.get(t.key)
    if (!o || o.at !== t.at || o.audience.join() !== t.audience.join())
      effects.push({ kind: 'armTimer', timer: t })
  }
  for (const t of before) if (!next.has(t.key)) effects.push({ kind: 'cancelTimer', key: t.key })
  return effects
}
