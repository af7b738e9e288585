/**
 * The calm receipt line of a consult on the township screen (docs/alert-channels.md): who was
 * tried, how, and who answered — "已通知 陈主任：企业微信 13:10 · 电话 13:11 已接听 · 13:11 接诊".
 * Built from the attempts of GET /api/cases/:id/notifications, rendered from the catalogue,
 * never raw codes. Failures are not part of it: they go to the people who can act on them
 * (`failureLine`, for the admin and the second-line).
 */
import { render, type Lang, type MessageKey } from './messages/index.ts'

export interface ReceiptAttempt {
  /** The alert the attempt belongs to (one person may be tried for several alerts of a case). */
  alertId?: string
  userId: string
  userName: string
  channel: string
  status: string
  sentAt: string | null
  deliveredAt: string | null
  answeredAt: string | null
  acknowledgedAt: string | null
}

const CHANNEL_KEY: Record<string, MessageKey> = {
  webpush: 'channel.webpush',
  wecom: 'channel.wecom',
  sms: 'channel.sms',
  voice: 'channel.voice',
}

/** `hh:mm` of an ISO instant in the network's time zone (formatting only, no arithmetic). */
export function clockTime(isoTime: string, timeZone = 'Asia/Shanghai'): string {
  return new Intl.DateTimeFormat('zh-CN', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(Date.parse(isoTime))
}

/** One line per person reached, in the order they were first tried. */
export function receiptLines(lang: Lang, attempts: readonly ReceiptAttempt[], timeZone?: string): string[] {
  const people = new Map<string, ReceiptAttempt[]>()
  for (const a of attempts) {
    if (a.status !== 'sent' || !a.sentAt || !CHANNEL_KEY[a.channel]) continue
    people.set(a.userId, [...(people.get(a.userId) ?? []), a])
  }
  const sep = render(lang, 'receipt.separator')
  return [...people.values()].map((as) => {
    const items = as.map((a) => {
      const channel = render(lang, CHANNEL_KEY[a.channel]!)
      if (a.answeredAt)
        return render(lang, 'receipt.answered', { channel, time: clockTime(a.answeredAt, timeZone) })
      return render(lang, 'receipt.sent', { channel, time: clockTime(a.sentAt!, timeZone) })
    })
    const ack = as.map((a) => a.acknowledgedAt).find((t) => t !== null)
    if (ack) items.push(render(lang, 'receipt.acknowledged', { time: clockTime(ack, timeZone) }))
    return render(lang, 'receipt.notified', { name: as[0]!.userName, items: items.join(sep) })
  })
}

const STATUS_KEY: Record<string, MessageKey> = {
  failed: 'receipt.status.failed',
  capped: 'receipt.status.capped',
  unreachable: 'receipt.status.unreachable',
  duplicate: 'receipt.status.duplicate',
}

/** Statuses that mean "this attempt reached nobody" and that a person can act on. */
const PROBLEM_STATUSES = new Set(['failed', 'capped', 'unreachable'])

export interface DeliveryProblem {
  alertId: string | null
  userId: string
  userName: string
  /** Whether any channel reached the person for this alert (then only vendor errors and caps count). */
  reached: boolean
  /** `failed` (vendor error), `capped` (per-number cap), `unreachable` (no address on that channel). */
  items: { channel: string; status: string }[]
}

/**
 * The failures to reach someone, per alert and person: a person no channel reached at all (every
 * attempt failed, capped or without an address), or a vendor error or cap on one channel. A
 * missing address on one channel while another reached the person is not a problem (a
 * cardiologist without WeCom who got the push): that is configuration, not a failed alert.
 */
export function deliveryProblems(attempts: readonly ReceiptAttempt[]): DeliveryProblem[] {
  const groups = new Map<string, ReceiptAttempt[]>()
  for (const a of attempts) {
    if (!CHANNEL_KEY[a.channel]) continue
    const key = `${a.alertId ?? ''}|${a.userId}`
    groups.set(key, [...(groups.get(key) ?? []), a])
  }
  const out: DeliveryProblem[] = []
  for (const as of groups.values()) {
    const reached = as.some((a) => a.status === 'sent' || a.status === 'queued' || a.status === 'duplicate')
    const items = as
      .filter((a) => PROBLEM_STATUSES.has(a.status) && (!reached || a.status !== 'unreachable'))
      .map((a) => ({ channel: a.channel, status: a.status }))
    if (!items.length) continue
    out.push({
      alertId: as[0]!.alertId ?? null,
      userId: as[0]!.userId,
      userName: as[0]!.userName,
      reached,
      items,
    })
  }
  return out
}

/** One problem in words: "陈主任 短信(已达频次上限)", or "陈主任(没有可用的通道)" when nothing reached them. */
export function problemText(lang: Lang, p: DeliveryProblem): string {
  const sep = render(lang, 'receipt.separator')
  if (!p.reached && p.items.every((i) => i.status === 'unreachable'))
    return render(lang, 'receipt.noChannel', { name: p.userName })
  return p.items
    .filter((i) => i.status !== 'unreachable')
    .map((i) =>
      render(lang, 'receipt.failure', {
        name: p.userName,
        channel: render(lang, CHANNEL_KEY[i.channel]!),
        status: render(lang, STATUS_KEY[i.status]!),
      }),
    )
    .join(sep)
}

/** The failures to reach someone, for the admin and the second-line; null when none. */
export function failureLine(lang: Lang, attempts: readonly ReceiptAttempt[]): string | null {
  const items = deliveryProblems(attempts).map((p) => problemText(lang, p))
  return items.length
    ? render(lang, 'receipt.failures', { items: items.join(render(lang, 'receipt.separator')) })
    : null
}
