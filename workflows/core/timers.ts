/**
 * Timers (docs/clinical-rules.md): the future alert points of each unsatisfied rule. The runtime keeps one
 * durable job per key; on firing it re-derives this list and acts only if the key is still
 * wanted, so stale jobs are harmless.
 *
 * Keys: `<rule>:warn`, `<rule>:missed`, `<rule>:escalate:<n>`, `<alertKey>:repeat:<n>`.
 */
import { plan } from './deadlines.ts'
import type { CaseState, FiredAlert } from './fold.ts'
import type { NetworkInfo } from './network.ts'
import type { Audience, RuleKey } from './rule-keys.ts'
import { escalationSteps, ladderFor } from './ladder.ts'
import { ruleByKey, type Escalation, type Rule } from './rules.ts'
import { minutes, type Instant } from './time.ts'

export interface TimerSpec {
  key: string
  rule: RuleKey
  kind: 'warning' | 'missed' | 'escalation' | 'repeat'
  at: Instant
  audience: Audience[]
}

// docs/clinical-rules.md: unacknowledged clinical alerts repeat every 2 minutes, for up to 20 minutes.
export const REPEAT_EVERY = minutes(2)
export const REPEAT_FOR = minutes(20)

/** True when someone acknowledged this alert (or one of its repeats, normalised in the fold). */
function acknowledged(s: CaseState, alertKey: string): boolean {
  return s.acknowledgements.some((a) => a.alertKey === alertKey)
}

/** The next repeat of a fired alert, or null when acknowledged or past the 20-min window. */
function nextRepeat(s: CaseState, alert: FiredAlert, audience: Audience[]): TimerSpec | null {
  if (acknowledged(s, alert.timerKey)) return null
  const n = (s.repeatsFired[alert.timerKey] ?? 0) + 1
  if (n * REPEAT_EVERY > REPEAT_FOR) return null
  return {
    key: `${alert.timerKey}:repeat:${n}`,
    rule: alert.rule,
    kind: 'repeat',
    at: alert.at + n * REPEAT_EVERY,
    audience,
  }
}

/**
 * The timers that should exist now: the warning, missed and escalation points of every
 * unsatisfied rule that have not fired yet, plus the next repeat of each fired, unacknowledged
 * alert. Points already in the past are included (the runtime fires them at once: a back-dated
 * FMC with no ECG fires first_ecg immediately). A satisfied rule or a closed case wants none.
 */
export function timersFor(state: CaseState, network: NetworkInfo, now: Instant): TimerSpec[] {
  if (state.closed) return []
  const fired = new Set(state.fired)
  const out: TimerSpec[] = []
  for (const d of plan(state, network, now)) {
    if (d.metAt !== null) continue
    const rule = ruleByKey(d.rule)
    const points: TimerSpec[] = []
    // Once the due time has passed, the missed alert supersedes the warning: a late-entered
    // case alerts once ("missed"), not twice ("warning" then "missed" in the same second).
    const missedFired = fired.has(`${rule.key}:missed`)
    if (d.warnAt !== null && now < d.dueAt)
      points.push({
        key: `${rule.key}:warn`,
        rule: rule.key,
        kind: 'warning',
        at: d.warnAt,
        audience: [...rule.alert],
      })
    points.push({
      key: `${rule.key}:missed`,
      rule: rule.key,
      kind: 'missed',
      at: d.dueAt,
      audience: [...rule.alert],
    })
    const escalationMoot = rule.escalationStoppedBy?.(state) != null
    if (!escalationMoot)
      escalationsOf(rule, network).forEach((e, i) =>
        points.push({
          key: `${rule.key}:escalate:${i + 1}`,
          rule: rule.key,
          kind: 'escalation',
          at: d.startAt + e.after,
          audience: [...e.to],
        }),
      )
    for (const t of points) if (!fired.has(t.key)) out.push(t)
    for (const alert of state.firedAlerts) {
      if (alert.rule !== rule.key) continue
      if (alert.kind === 'escalation' && escalationMoot) continue
      if (alert.kind === 'warning' && missedFired) continue // the missed alert repeats instead
      const audience = points.find((t) => t.key === alert.timerKey)?.audience ?? audienceOf(alert, network)
      const r = nextRepeat(state, alert, audience)
      if (r && !fired.has(r.key)) out.push(r)
    }
  }
  return out
}

/** The audience an alert went to, from the rules table. */
function audienceOf(alert: FiredAlert, network: NetworkInfo): Audience[] {
  const rule = ruleByKey(alert.rule)
  const m = /:escalate:(\d+)$/.exec(alert.timerKey)
  if (m) return [...(escalationsOf(rule, network)[Number(m[1]) - 1]?.to ?? rule.alert)]
  return [...rule.alert]
}

/** A rule's escalation steps: from the network's alert ladder when the rule follows one. */
export function escalationsOf(rule: Rule, network: NetworkInfo): Escalation[] {
  if (!rule.escalationLadder) return rule.escalation ?? []
  return escalationSteps(ladderFor(network.ladders, rule.escalationLadder)).map((e) => ({
    after: e.after,
    to: e.to,
  }))
}
