/**
 * The escalation ladder (docs/alert-channels.md): for each kind of alert, which channels reach
 * whom, and when. Data, not code: the defaults below, overridden per network by the admin
 * (validated here). Step times count from the clinical time of the event that raised the alert,
 * so an alert raised late (a back-dated ECG transmission) runs every overdue step at once, as
 * the deadlines do (workflows/core/timers.ts).
 *
 * A step either widens the channels to the alert's own recipients (`to: 'alert'`, e.g. the voice
 * call to the first-line at 60 s) or hands the alert to a new audience (`to: [...]`, e.g. the
 * second-line at 3 min). The second kind is an escalation of the case: it is recorded on the
 * timeline as `escalated` (the rule's `<rule>:escalate:<n>` timer) and raises its own alert.
 */
import { z } from 'zod'
import type { NotifyTemplate } from './effects.ts'
import type { CaseState } from './fold.ts'
import { AUDIENCES, type Audience } from './rule-keys.ts'
import { minutes, seconds, type Duration } from './time.ts'

export const CHANNEL_KEYS = ['webpush', 'wecom', 'sms', 'voice'] as const
export type ChannelKey = (typeof CHANNEL_KEYS)[number]

/** How an acknowledgement reached Xinlian: a channel, or the app itself (the consult opened). */
export const ACK_VIA = [...CHANNEL_KEYS, 'app'] as const
export type AckVia = (typeof ACK_VIA)[number]

export const ALERT_KINDS = ['consult', 'deadline', 'repeat', 'info'] as const
export type AlertKind = (typeof ALERT_KINDS)[number]

export interface LadderStep {
  /** Since the clinical time of the event that raised the alert. */
  after: Duration
  /** `alert`: the alert's own recipients; otherwise a new audience (an escalation). */
  to: 'alert' | Audience[]
  /** `all`: every channel the person has. */
  channels: ChannelKey[] | 'all'
}
export type Ladder = LadderStep[]
export type Ladders = Record<AlertKind, Ladder>

/**
 * Defaults. The consult ladder follows the network's practice described in
 * docs/alert-channels.md: push + WeCom at once, a voice call to the first-line after 60 s
 * without an answer, the second-line on every channel after 3 min, every cardiologist of the
 * network after 6 min (WeCom + SMS, and Web Push where a device has it, which costs nothing;
 * no voice call: calling everyone at once would exhaust the per-number caps that the next
 * emergency needs).
 */
export const DEFAULT_LADDERS: Ladders = {
  consult: [
    { after: 0, to: 'alert', channels: ['webpush', 'wecom'] },
    { after: seconds(60), to: 'alert', channels: ['voice'] },
    { after: minutes(3), to: ['on_call_second_line'], channels: 'all' },
    { after: minutes(6), to: ['all_cardiologists'], channels: ['webpush', 'wecom', 'sms'] },
  ],
  // A missed or nearly missed deadline: the app and WeCom at once, an SMS if still unacknowledged
  // after a minute. The deadline's own repeats (every 2 min, workflows/core/timers.ts) follow.
  deadline: [
    { after: 0, to: 'alert', channels: ['webpush', 'wecom'] },
    { after: seconds(60), to: 'alert', channels: ['sms'] },
  ],
  repeat: [{ after: 0, to: 'alert', channels: ['webpush', 'wecom'] }],
  // Read receipts and decisions: information, no acknowledgement expected.
  info: [{ after: 0, to: 'alert', channels: ['webpush'] }],
}

/** The ladder kind of an alert template. Escalations are steps of the consult ladder. */
export function alertKindOf(template: NotifyTemplate): AlertKind {
  switch (template) {
    case 'consult':
    case 'escalated':
      return 'consult'
    case 'deadline_warning':
    case 'deadline_missed':
    case 'cath_lab_activated':
      return 'deadline'
    case 'alert_repeated':
      return 'repeat'
    case 'decision':
    case 'read_receipt':
      return 'info'
  }
}

/** The network's ladder for `kind` (its override, or the default). */
export function ladderFor(overrides: Partial<Ladders> | undefined, kind: AlertKind): Ladder {
  return overrides?.[kind] ?? DEFAULT_LADDERS[kind]
}

/** The steps of a ladder that hand the alert to a new audience, numbered 1… as `<rule>:escalate:<n>`. */
export interface EscalationStep {
  n: number
  after: Duration
  to: Audience[]
  channels: ChannelKey[] | 'all'
  step: number
}
export function escalationSteps(ladder: Ladder): EscalationStep[] {
  const out: EscalationStep[] = []
  ladder.forEach((s, i) => {
    if (s.to !== 'alert')
      out.push({ n: out.length + 1, after: s.after, to: s.to, channels: s.channels, step: i })
  })
  return out
}

/** The channel steps of the alert itself (its own recipients), with their index in the ladder. */
export function ownSteps(
  ladder: Ladder,
): { step: number; after: Duration; channels: ChannelKey[] | 'all' }[] {
  return ladder.flatMap((s, i) =>
    s.to === 'alert' ? [{ step: i, after: s.after, channels: s.channels }] : [],
  )
}

/**
 * The channels an escalation alert (`<rule>:escalate:<n>`) goes out on: its step's channels.
 * Null when the key is not an escalation of this ladder.
 */
export function escalationChannels(ladder: Ladder, alertKey: string | null): ChannelKey[] | 'all' | null {
  const m = /:escalate:(\d+)$/.exec(alertKey ?? '')
  if (!m) return null
  return escalationSteps(ladder).find((e) => e.n === Number(m[1]))?.channels ?? null
}

/**
 * The escalation that becomes due at once when nobody of `alert` can be reached (every device
 * failed, every number capped): the consult → `remote_read:escalate:1`; escalation n → n + 1,
 * while the ladder has one. Null otherwise.
 */
export function nextEscalationKey(
  ladder: Ladder,
  alert: { template: string; alertKey: string | null },
): string | null {
  const total = escalationSteps(ladder).length
  if (alert.template === 'consult') return total >= 1 ? 'remote_read:escalate:1' : null
  if (alert.template !== 'escalated') return null
  const m = /^(.+):escalate:(\d+)$/.exec(alert.alertKey ?? '')
  if (!m) return null
  const next = Number(m[2]) + 1
  return next <= total ? `${m[1]}:escalate:${next}` : null
}

/** When step `step` of an alert whose clinical anchor is `anchor` is due (never before `now`). */
export function stepDueAt(ladder: Ladder, step: number, anchor: number, now: number): number {
  return Math.max(now, anchor + (ladder[step]?.after ?? 0))
}

const Step = z.strictObject({
  afterSeconds: z
    .number()
    .int()
    .min(0)
    .max(24 * 3600),
  to: z.union([z.literal('alert'), z.array(z.enum(AUDIENCES)).min(1)]),
  channels: z.union([z.literal('all'), z.array(z.enum(CHANNEL_KEYS)).min(1)]),
})
/** The wire form of a ladder (seconds, as the admin enters them). */
export const LadderInput = z.array(Step).min(1).max(10)
export type LadderInputT = z.infer<typeof LadderInput>

export type LadderCheck = { ok: true; ladder: Ladder } | { ok: false; field: string; reason: string }

/**
 * Validate an admin's ladder for `kind`: the first step goes at once to the alert's own
 * recipients (an alert nobody receives at first helps no patient), step times never go back,
 * and only the consult ladder may hand over to a new audience (escalations are consult steps
 * on the case timeline; a deadline alert has its own audience from the rules table).
 */
export function checkLadder(kind: AlertKind, input: unknown): LadderCheck {
  const r = LadderInput.safeParse(input)
  if (!r.success) {
    const issue = r.error.issues[0]
    return { ok: false, field: ['steps', ...(issue?.path ?? []).map(String)].join('.'), reason: 'invalid' }
  }
  const steps = r.data
  if (steps[0]!.afterSeconds !== 0 || steps[0]!.to !== 'alert')
    return { ok: false, field: 'steps.0', reason: 'first_step_at_once' }
  for (let i = 1; i < steps.length; i++)
    if (steps[i]!.afterSeconds < steps[i - 1]!.afterSeconds)
      return { ok: false, field: `steps.${i}.afterSeconds`, reason: 'steps_out_of_order' }
  if (kind !== 'consult') {
    const i = steps.findIndex((s) => s.to !== 'alert')
    if (i >= 0) return { ok: false, field: `steps.${i}.to`, reason: 'escalation_only_for_consult' }
  }
  return {
    ok: true,
    ladder: steps.map((s) => ({ after: seconds(s.afterSeconds), to: s.to, channels: s.channels })),
  }
}

/** A ladder in its wire form. */
export function ladderToInput(ladder: Ladder): LadderInputT {
  return ladder.map((s) => ({ afterSeconds: Math.round(s.after / 1000), to: s.to, channels: s.channels }))
}

/**
 * Whether an alert's ladder has nothing left to do: the case is closed, or the alert was
 * acknowledged on any channel (for a consult: a cardiologist opened it, or the ECG was read;
 * for a deadline alert or its repeat: someone acknowledged the alert it repeats).
 */
export function ladderStopped(
  s: CaseState,
  alert: { template: NotifyTemplate; alertKey: string | null },
): boolean {
  if (s.closed) return true
  if (alertKindOf(alert.template) === 'consult')
    return s.points.consultAcknowledged !== null || s.points.firstDiagnosis !== null
  if (!alert.alertKey) return false
  const base = alert.alertKey.replace(/:repeat:\d+$/, '')
  return s.acknowledgements.some((a) => a.alertKey === base)
}

/**
 * The clinical time a ladder counts from: the first ECG transmission for a consult, the
 * scheduled (clinical) time of the timer that raised a deadline alert; else `now`.
 */
export function ladderAnchor(
  s: CaseState,
  alert: { template: NotifyTemplate; alertKey: string | null },
  now: number,
): number {
  if (alert.template === 'consult') return s.points.firstTransmitted ?? now
  const fired = s.events.find((e) => e.data.timerKey === alert.alertKey && e.by === null)
  const at = fired?.data.scheduledAt
  return typeof at === 'number' ? Math.min(at, now) : now
}
