/**
 * What a push carries (README.md): small (< 3 kB, push services refuse more than ~4 kB), in
 * Chinese (rendered from the message catalogue, `push.*`, so it reads as the screens do), and never the patient's name — the payload transits third-party push services. It
 * grants nothing: acting on it (approve, acknowledge) is a normal API call with the device's
 * own session cookie.
 */
import {
  doorIn,
  type CaseState,
  type NetworkInfo,
  type NotifyTemplate,
  type RuleKey,
} from '../../core/index.ts'
import { isMessageKey, render, type Lang, type MessageParams } from '../../core/messages/index.ts'

/** Pushes are read on the lock screen of a Chinese clinical phone: zh-CN (the catalogue's first language). */
const LANG: Lang = 'zh-CN'
const say = (key: Parameters<typeof render>[1], params?: MessageParams) => render(LANG, key, params)

export type PushKind = 'consult' | 'alert' | 'readiness'

export interface PushPayload {
  title: string
  body: string
  kind: PushKind
  url: string
  caseId?: string
  /** ISO start of the live clock the screen counts from (door-in at the current facility, else FMC). */
  clockStart?: string | null
  alertId?: string
  alertKey?: string | null
  readinessId?: string
  actions?: { action: string; title: string }[]
}

/** Push services keep ~4 kB; we stay well under (asserted in the tests). */
export const MAX_PAYLOAD_BYTES = 3000
/** A clinical alert older than this is noise: the repeat (every 2 min) or the live screen takes over. */
export const CLINICAL_TTL_SECONDS = 600

/** The same words as the consult page's buttons. */
export const CONSULT_ACTIONS = [
  { action: 'approve', title: say('consult.approve') },
  { action: 'decline', title: say('consult.decline') },
]

/** One topic per case (≤ 32 url-safe chars): a newer alert replaces an undelivered older one. */
export const topicOf = (caseId: string) => caseId.replaceAll('-', '')

/** The live clock of the case: door-in at the facility where the patient is, else FMC. */
export function clockOf(state: CaseState): { label: string; start: number | null } {
  const door = doorIn(state.points, state.currentFacilityId)
  if (door !== null) return { label: 'D2N', start: door }
  return { label: 'FMC', start: state.points.fmc }
}

function relativeContraindications(state: CaseState): string[] {
  return (state.points.checklist?.relative ?? []).map((k) => {
    const key = `ck.${k}`
    return isMessageKey(key) ? say(key) : k
  })
}

const title = (template: Exclude<NotifyTemplate, 'consult'>, rule: string) =>
  say(`push.title.${template}`, { rule })

/** Cap the serialised payload: shorten the body (never drop ids or actions). */
export function capped(p: PushPayload): PushPayload {
  let out = p
  while (Buffer.byteLength(JSON.stringify(out)) > MAX_PAYLOAD_BYTES && out.body.length > 0)
    out = { ...out, body: out.body.slice(0, Math.max(0, out.body.length - 40)) }
  return out
}

/**
 * The payload of a clinical alert for one recipient. Cardiologists get the consult page and the
 * Approve / Decline actions for remote-read alerts; everyone else the case page.
 */
export function alertPayload(a: {
  state: CaseState
  network: NetworkInfo
  now: number
  template: NotifyTemplate
  rule: string | null
  alertId: string
  alertKey: string | null
  cardiologist: boolean
  names: Map<string, string>
}): PushPayload {
  const { state, network, now } = a
  const caseId = state.info.id
  const consultLike = a.template === 'consult' || a.rule === 'remote_read'
  const kind: PushKind = consultLike ? 'consult' : 'alert'
  const facility = network.facilities.find((f) => f.id === state.currentFacilityId)?.name ?? ''
  const clock = clockOf(state)
  const elapsed = clock.start === null ? null : Math.max(0, Math.floor((now - clock.start) / 60_000))
  const who = say('push.patient', {
    sex: say(state.info.patient.sex === 'male' ? 'start.male' : 'start.female'),
    age: state.info.patient.age,
  })
  const clockText = elapsed === null ? null : say('push.clock', { label: clock.label, n: elapsed })
  // The rule's name as the banner and the countdown show it (one term per deadline).
  const ruleTitle = a.rule ? say(`rule.${a.rule as RuleKey}`) : ''
  const dx = state.points.diagnoses.length ? '' : say('push.stemiQuery')
  let heading: string
  let detail: string[] = []
  if (a.template === 'consult') {
    heading = say('push.consult', { dx, who })
  } else if (consultLike && a.template !== 'deadline_missed') {
    heading = `${title(a.template, ruleTitle)}${dx}`
    detail = [who]
  } else {
    heading = title(a.template, ruleTitle)
    detail = [who]
  }
  if (a.template === 'decision' && state.points.decision) {
    const d = state.points.decision
    heading = say(d.decision === 'approved' ? 'push.approved' : 'push.declined')
    if (d.by) detail.push(a.names.get(d.by) ?? '')
  }
  if (a.template === 'read_receipt' && state.points.consultAcknowledged?.by) {
    detail.push(say('push.openedConsult', { name: a.names.get(state.points.consultAcknowledged.by) ?? '' }))
  }
  const relative = a.cardiologist && consultLike ? relativeContraindications(state) : []
  const body = [
    ...detail,
    facility,
    clockText,
    relative.length ? say('push.relative', { list: relative.join('、') }) : null,
  ]
    .filter((x): x is string => !!x)
    .join(' · ')
  const withActions = consultLike && a.cardiologist && state.points.decision === null
  return capped({
    title: heading,
    body,
    kind,
    caseId,
    clockStart: clock.start === null ? null : new Date(clock.start).toISOString(),
    url: a.cardiologist ? `/consults/${caseId}` : `/cases/${caseId}`,
    alertId: a.alertId,
    alertKey: a.alertKey,
    ...(withActions ? { actions: CONSULT_ACTIONS } : {}),
  })
}

/** The readiness push (docs/admin-api.md): asks the on-call cardiologist to tap. */
export function readinessPayload(readinessId: string, line: 'first' | 'second'): PushPayload {
  return {
    title: say('readiness.title'),
    body: say('push.readiness.body', { line: say(line === 'first' ? 'rota.first' : 'rota.second') }),
    kind: 'readiness',
    url: `/readiness/${readinessId}`,
    readinessId,
    actions: [{ action: 'ack', title: say('push.readiness.ack') }],
  }
}

/** The report to admins and second-line when an on-call cardiologist cannot be reached. */
export function readinessProblemPayload(a: {
  readinessId: string
  name: string
  problem: 'no_subscription' | 'push_failed' | 'no_tap'
}): PushPayload {
  return {
    title: say('push.readinessProblem.title'),
    body: say('push.readinessProblem.body', { name: a.name, why: say(`ready.problem.${a.problem}`) }),
    kind: 'readiness',
    url: '/admin/readiness',
    readinessId: a.readinessId,
  }
}
