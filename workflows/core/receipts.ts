/**
 * The calm receipt line of a consult on the township screen (docs/alert-channels.md): who was
 * tried, how, and who answered — "已通知 陈主任：企业微信 13:10 · 电话 13:11 已接听 · 13:11 接诊".
 * Built from the attempts of GET /api/cases/:id/notifications, rendered from the catalogue,
 * never raw codes. Failures are not part of it: they go to the people who can act on them
 * (`failureLine`, for the admin and the second-line).
 */
import { render, type Lang, type MessageKey } from './messages/index.ts'

export interface ReceiptAttempt {
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

/** The attempts that reached nobody, for the admin and the second-line; null when none. */
export function failureLine(lang: Lang, attempts: readonly ReceiptAttempt[]): string | null {
  const items = attempts
    .filter((a) => STATUS_KEY[a.status] && a.status !== 'unreachable' && CHANNEL_KEY[a.channel])
    .map((a) =>
      render(lang, 'receipt.failure', {
        name: a.userName,
        channel: render(lang, CHANNEL_KEY[a.channel]!),
        status: render(lang, STATUS_KEY[a.status]!),
      }),
    )
  return items.length
    ? render(lang, 'receipt.failures', { items: items.join(render(lang, 'receipt.separator')) })
    : null
}
