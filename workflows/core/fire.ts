/**
 * A timer job fired: re-derive the case's wanted timers and act only
 * if this one is still wanted and due. Stale jobs (rule satisfied, alert acknowledged, case
 * closed, key already fired) return no effects.
 */
import type { CaseEvent } from './case-model.ts'
import { plan } from './deadlines.ts'
import type { Effect, NotifyTemplate } from './effects.ts'
import type { SystemEventType } from './event-types.ts'
import { fold, type CaseState } from './fold.ts'
import type { NetworkInfo } from './network.ts'
import { timersFor, type TimerSpec } from './timers.ts'
import type { Instant } from './time.ts'

const SYSTEM_TYPE: Record<TimerSpec['kind'], SystemEventType & NotifyTemplate> = {
  warning: 'deadline_warning',
  missed: 'deadline_missed',
  escalation: 'escalated',
  repeat: 'alert_repeated',
}

/** Why an escalation fired before its time: the push could not reach anyone (workflows/runtime/push). */
export const ESCALATION_REASONS = [
  'push_failed',
  'no_subscription',
  'capped',
  'channel_failed',
  'test',
] as const
export type EscalationReason = (typeof ESCALATION_REASONS)[number]

/**
 * Fire timer `timerKey` at `now`. Returns the system event to record (its `at` is `now`, the
 * moment the alert went out; `dueAt` is the rule's clinical due time), the notification, and
 * armTimer effects for follow-ups this firing makes wanted (the first repeat of an alert).
 * `early` fires a still-wanted timer before its time, with the reason on the event (the push to
 * the first-line failed on every device: waiting 3 minutes for nobody helps no patient); the key
 * is then fired, so its scheduled job becomes a stale no-op.
 */
export function fire(
  state: CaseState,
  network: NetworkInfo,
  timerKey: string,
  now: Instant,
  early?: { reason: EscalationReason },
): Effect[] {
  const wanted = timersFor(state, network, now)
  const timer = wanted.find((t) => t.key === timerKey)
  if (!timer || (timer.at > now && !early)) return []
  const deadline = plan(state, network, now).find((d) => d.rule === timer.rule)
  const type = SYSTEM_TYPE[timer.kind]
  const data = {
    rule: timer.rule,
    timerKey,
    kind: timer.kind,
    dueAt: deadline?.dueAt ?? null,
    scheduledAt: timer.at,
    audience: timer.audience,
    ...(early && timer.at > now ? { early: true, reason: early.reason } : {}),
  }
  const recorded: CaseEvent = {
    id: `system:${timerKey}`,
    caseId: state.info.id,
    type,
    at: now,
    recordedAt: now,
    by: null,
    data,
  }
  const after = fold(state.info, [...state.events, recorded], network)
  const before = new Set(wanted.map((t) => t.key))
  const followUps: Effect[] = timersFor(after, network, now)
    .filter((t) => !before.has(t.key))
    .map((t) => ({ kind: 'armTimer', timer: t }))
  return [
    { kind: 'recordSystemEvent', type, at: now, data },
    {
      kind: 'notify',
      audience: timer.audience,
      template: type,
      rule: timer.rule,
      timerKey,
      caseId: state.info.id,
    },
    ...followUps,
  ]
}
