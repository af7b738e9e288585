/**
 * Deadline verdicts (docs/clinical-rules.md): every rule that applies, judged by clinical times so that a
 * case entered late gets the same verdict as one entered live.
 */
import type { Bilingual } from './case-model.ts'
import type { CaseState } from './fold.ts'
import type { NetworkInfo } from './network.ts'
import type { RuleKey } from './rule-keys.ts'
import { RULES, type Rule } from './rules.ts'
import type { Duration, Instant } from './time.ts'

export interface Deadline {
  rule: RuleKey
  title: Bilingual
  startAt: Instant
  dueAt: Instant
  warnAt: Instant | null
  status: 'pending' | 'met' | 'missed'
  /** When the satisfying time point happened (also set when it came too late: status missed). */
  metAt: Instant | null
}

/** The rule's target and warning for this case (fmc_to_wire depends on where FMC happened). */
export function targetOf(
  rule: Rule,
  s: CaseState,
  n: NetworkInfo,
): { target: Duration; warnAt: Duration | null } {
  const t = rule.targetFor ? rule.targetFor(s, n) : { target: rule.target, warnAt: rule.warnAt }
  return { target: t.target, warnAt: t.warnAt ?? null }
}

/**
 * Every rule that applies to the case: met if satisfied at or before dueAt; missed if
 * satisfied after dueAt, or unsatisfied and `now` is past dueAt; otherwise pending.
 */
export function plan(state: CaseState, network: NetworkInfo, now: Instant): Deadline[] {
  const out: Deadline[] = []
  for (const rule of RULES) {
    const startAt = rule.startsAt(state, network)
    if (startAt === null) continue
    const { target, warnAt } = targetOf(rule, state, network)
    const dueAt = startAt + target
    const metAt = rule.satisfiedBy(state)
    // An outcome ends every clock still running (docs/clinical-rules.md, "Outcome"): a rule not
    // satisfied and not yet due when the case closed is not judged.
    const closedAt = state.points.outcome
    if (metAt === null && closedAt !== null && dueAt >= closedAt) continue
    const inTime = (at: Instant) => (rule.strictTarget === true ? at < dueAt : at <= dueAt)
    const status = metAt !== null ? (inTime(metAt) ? 'met' : 'missed') : now > dueAt ? 'missed' : 'pending'
    out.push({
      rule: rule.key,
      title: rule.title,
      startAt,
      dueAt,
      warnAt: warnAt === null ? null : startAt + warnAt,
      status,
      metAt,
    })
  }
  return out
}
