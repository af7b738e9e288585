/**
 * What a push carries (SPEC §7): small (< 3 kB, push services refuse more than ~4 kB), in
 * Chinese, and never the patient's name — the payload transits third-party push services. It
 * grants nothing: acting on it (approve, acknowledge) is a normal API call with the device's
 * own session cookie.
 */
import {
  doorIn,
  RELATIVE_CONTRAINDICATIONS,
  ruleByKey,
  type CaseState,
  type NetworkInfo,
  type NotifyTemplate,
  type RuleKey,
} from '../../core/index.ts'

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

export const CONSULT_ACTIONS = [
  { action: 'approve', title: '批准溶栓' },
  { action: 'decline', title: '拒绝' },
]

const SEX = { male: '男', female: '女' } as const

/** One topic per case (≤ 32 url-safe chars): a newer alert replaces an undelivered older one. */
export const topicOf = (caseId: string) => caseId.replaceAll('-', '')

/** The live clock of the case: door-in at the facility where the patient is, else FMC. */
export function clockOf(state: CaseState): { label: string; start: number | null } {
  const door = doorIn(state.points, state.currentFacilityId)
  if (door !== null) return { label: 'D2N', start: door }
  return { label: 'FMC', start: state.points.fmc }
}

function relativeContraindications(state: CaseState): string[] {
  const keys = new Set(state.points.checklist?.relative ?? [])
  return RELATIVE_CONTRAINDICATIONS.filter((c) => keys.has(c.key)).map((c) => c.zh)
}

const TITLES: Record<Exclude<NotifyTemplate, 'consult'>, (rule: string) => string> = {
  deadline_warning: (r) => `⚠ ${r} 即将超时`,
  deadline_missed: (r) => `⛔ ${r} 已超时`,
  escalated: (r) => `升级 · ${r} 未应答`,
  alert_repeated: (r) => `重复提醒 · ${r}`,
  decision: () => '溶栓决定',
  read_receipt: () => '心电图已被查看',
  cath_lab_activated: () => '导管室已激活',
}

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
  const who = `${SEX[state.info.patient.sex]} ${state.info.patient.age} 岁`
  const clockText = elapsed === null ? null : `${clock.label} 已 ${elapsed} 分钟`
  const ruleTitle = a.rule ? ruleByKey(a.rule as RuleKey).title.zh : ''
  const dx = state.points.diagnoses.length ? '' : ' STEMI?'
  let title: string
  let detail: string[] = []
  if (a.template === 'consult') {
    title = `急会诊${dx} ${who}`
  } else if (consultLike && a.template !== 'deadline_missed') {
    title = `${TITLES[a.template](ruleTitle)}${dx}`
    detail = [who]
  } else {
    title = TITLES[a.template](ruleTitle)
    detail = [who]
  }
  if (a.template === 'decision' && state.points.decision) {
    const d = state.points.decision
    title = d.decision === 'approved' ? '溶栓已批准' : '溶栓未批准'
    if (d.by) detail.push(a.names.get(d.by) ?? '')
  }
  if (a.template === 'read_receipt' && state.points.consultAcknowledged?.by) {
    detail.push(`${a.names.get(state.points.consultAcknowledged.by) ?? ''} 已打开会诊`)
  }
  const relative = a.cardiologist && consultLike ? relativeContraindications(state) : []
  const body = [...detail, facility, clockText, relative.length ? `相对禁忌: ${relative.join('、')}` : null]
    .filter((x): x is string => !!x)
    .join(' · ')
  const withActions = consultLike && a.cardiologist && state.points.decision === null
  return capped({
    title,
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

/** The readiness push (SPEC §2): asks the on-call cardiologist to tap. */
export function readinessPayload(readinessId: string, line: 'first' | 'second'): PushPayload {
  return {
    title: '值班就绪确认',
    body: `您现在是${line === 'first' ? '一线' : '二线'}值班心内科医生:请点击确认本设备能收到急会诊推送`,
    kind: 'readiness',
    url: `/readiness/${readinessId}`,
    readinessId,
    actions: [{ action: 'ack', title: '确认就绪' }],
  }
}

/** The report to admins and second-line when an on-call cardiologist cannot be reached. */
export function readinessProblemPayload(a: {
  readinessId: string
  name: string
  problem: 'no_subscription' | 'push_failed' | 'no_tap'
}): PushPayload {
  const why = {
    no_subscription: '没有可接收推送的设备',
    push_failed: '推送发送失败',
    no_tap: '10 分钟内未确认就绪',
  }[a.problem]
  return {
    title: '值班医生可能收不到急会诊',
    body: `${a.name}: ${why}。请电话联系并检查其手机通知设置。`,
    kind: 'readiness',
    url: '/admin/readiness',
    readinessId: a.readinessId,
  }
}
