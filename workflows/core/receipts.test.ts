import { describe, expect, it } from 'vitest'
import { deliveryProblems, failureLine, receiptLines } from './receipts.ts'

const base = { sentAt: null, deliveredAt: null, answeredAt: null, acknowledgedAt: null }
const chen = { ...base, alertId: 'a1', userId: 'u1', userName: '陈主任' }
const lin = { ...base, alertId: 'a1', userId: 'u2', userName: '林医生' }

describe('delivery problems (for the admin and the second-line)', () => {
  it('a missing address on one channel is not a problem when another channel reached the person', () => {
    const attempts = [
      { ...chen, channel: 'webpush', status: 'sent', sentAt: '2022-11-26T05:10:05Z' },
      { ...chen, channel: 'wecom', status: 'unreachable' },
    ]
    expect(deliveryProblems(attempts)).toEqual([])
    expect(failureLine('zh-CN', attempts)).toBeNull()
  })
  it('nobody reached: "no working channel"; a vendor error and a cap are named per channel', () => {
    const attempts = [
      { ...chen, channel: 'webpush', status: 'unreachable' },
      { ...chen, channel: 'wecom', status: 'unreachable' },
      { ...lin, channel: 'webpush', status: 'sent', sentAt: '2022-11-26T05:10:05Z' },
      { ...lin, channel: 'wecom', status: 'failed' },
      { ...lin, channel: 'voice', status: 'capped' },
    ]
    expect(deliveryProblems(attempts)).toEqual([
      {
        alertId: 'a1',
        userId: 'u1',
        userName: '陈主任',
        reached: false,
        items: attempts.slice(0, 2).map(pick),
      },
      { alertId: 'a1', userId: 'u2', userName: '林医生', reached: true, items: attempts.slice(3).map(pick) },
    ])
    expect(failureLine('zh-CN', attempts)).toBe(
      '未能送达:陈主任(没有可用的通道) · 林医生 企业微信(发送失败) · 林医生 电话(已达频次上限)',
    )
    expect(failureLine('en', attempts)).toBe(
      'Not reached: 陈主任 (no working channel) · 林医生 WeCom (send failed) · 林医生 Call (rate cap reached)',
    )
    // The township's calm line is untouched by the failures.
    expect(receiptLines('zh-CN', attempts)).toEqual(['已通知 林医生:推送 13:10'])
  })
  it('the same person in two alerts: two problems', () => {
    const attempts = [
      { ...chen, channel: 'wecom', status: 'failed' },
      { ...chen, alertId: 'a2', channel: 'wecom', status: 'failed' },
    ]
    expect(deliveryProblems(attempts).map((p) => p.alertId)).toEqual(['a1', 'a2'])
  })
})

function pick(a: { channel: string; status: string }) {
  return { channel: a.channel, status: a.status }
}
