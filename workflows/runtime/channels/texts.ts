/**
 * What each channel says (all from the one catalogue, Chinese first): the patient summary
 * without the name — sex, age, facility, the clock — and the consult link. Built when the
 * ladder step runs and kept on the attempt, so a retried send says the same thing.
 */
import { render } from '../../core/messages/index.ts'
import { alertKindOf, type CaseState, type NetworkInfo, type NotifyTemplate } from '../../core/index.ts'
import { clockOf } from '../../views/push/payload.ts'

export interface ChannelMessage {
  kind: 'consult' | 'deadline'
  title: string
  facility: string
  sex: string
  age: string
  minutes: string
  url: string
  /**
   * The WeCom card's link for a cardiologist: it starts WeCom's web authorization, because the
   * in-app browser holds no Xinlian session (api/routes/wecom-oauth.ts). Absent on messages
   * stored before it existed, and for everyone else (they sign in with their password).
   */
  wecomUrl?: string
  /** A cardiologist can acknowledge/approve from a WeCom card. */
  actionable: boolean
}

/** WeCom asks for ≤ 20 characters in a template field; keep every field legible on a phone. */
const clip = (s: string, n = 20) => (s.length > n ? s.slice(0, n - 1) + '…' : s)

export function channelMessage(
  state: CaseState,
  network: NetworkInfo,
  alert: { template: NotifyTemplate; caseId: string },
  now: number,
  publicUrl: string,
  cardiologist: boolean,
): ChannelMessage {
  const kind = alertKindOf(alert.template) === 'consult' ? 'consult' : 'deadline'
  const facility = network.facilities.find((f) => f.id === state.currentFacilityId)?.name ?? ''
  const start = kind === 'consult' ? state.points.firstTransmitted : clockOf(state).start
  const minutes = start === null ? 0 : Math.max(0, Math.floor((now - start) / 60_000))
  return {
    kind,
    title: render('zh-CN', kind === 'consult' ? 'channel.card.consult' : 'channel.card.deadline'),
    facility: clip(facility),
    sex: render('zh-CN', state.info.patient.sex === 'female' ? 'sex.female' : 'sex.male'),
    age: String(state.info.patient.age),
    minutes: String(minutes),
    url: `${publicUrl}${cardiologist ? '/consults/' : '/cases/'}${alert.caseId}`,
    ...(cardiologist
      ? { wecomUrl: `${publicUrl}/api/auth/wecom/${network.id}/start?case=${alert.caseId}` }
      : {}),
    actionable: kind === 'consult' && cardiologist,
  }
}

/** The parameters of the approved SMS / voice templates (the template holds the fixed words). */
export function templateParams(m: ChannelMessage, channel: 'sms' | 'voice'): Record<string, string> {
  const kindKey = channel === 'sms' ? `channel.sms.kind.${m.kind}` : `channel.voice.kind.${m.kind}`
  const base = {
    kind: render('zh-CN', kindKey as 'channel.sms.kind.consult'),
    facility: m.facility,
    sex: m.sex,
    age: m.age,
    minutes: m.minutes,
  }
  return channel === 'sms' ? { ...base, url: m.url } : base
}

export const cardTitle = (m: ChannelMessage) => clip(m.title)
export const cardDescription = (m: ChannelMessage) =>
  render('zh-CN', 'channel.card.desc', { facility: m.facility, sex: m.sex, age: m.age, minutes: m.minutes })
export const cardRows = (m: ChannelMessage) => [
  { key: render('zh-CN', 'channel.card.sex'), value: m.sex },
  { key: render('zh-CN', 'channel.card.age'), value: m.age },
  { key: render('zh-CN', 'channel.card.facility'), value: m.facility },
  {
    key: render('zh-CN', 'channel.card.clock'),
    value: render('zh-CN', 'channel.card.clockValue', { minutes: m.minutes }),
  },
]
/** 接诊 · 批准溶栓 are callback buttons; 查看 is the card's own link (a decline needs its reason, on the page). */
export const cardButtons = () => [
  { key: 'ack', text: render('zh-CN', 'channel.card.ack'), style: 1 as const },
  { key: 'approve', text: render('zh-CN', 'channel.card.approve'), style: 2 as const },
]
