import { describe, expect, it } from 'vitest'
import {
  alertKindOf,
  checkLadder,
  DEFAULT_LADDERS,
  escalationChannels,
  escalationSteps,
  nextEscalationKey,
  ownSteps,
  stepDueAt,
} from './ladder.ts'
import { receiptLines, failureLine } from './receipts.ts'
import { minutes, seconds } from './time.ts'

describe('the default consult ladder', () => {
  const ladder = DEFAULT_LADDERS.consult
  it('push + WeCom at once and voice at 60 s to the first-line; second-line at 3 min; everyone at 6 min', () => {
    expect(ownSteps(ladder).map((s) => [s.after, s.channels])).toEqual([
      [0, ['webpush', 'wecom']],
      [seconds(60), ['voice']],
    ])
    expect(escalationSteps(ladder).map((e) => [e.n, e.after, e.to, e.channels])).toEqual([
      [1, minutes(3), ['on_call_second_line'], 'all'],
      [2, minutes(6), ['all_cardiologists'], ['webpush', 'wecom', 'sms']],
    ])
  })
  it('counts from the clinical time: a step already past is due now', () => {
    const anchor = 1_000_000
    expect(stepDueAt(ladder, 1, anchor, anchor + 10_000)).toBe(anchor + 60_000)
    expect(stepDueAt(ladder, 1, anchor, anchor + 90_000)).toBe(anchor + 90_000)
  })
  it('moves on: consult → escalate:1 → escalate:2 → nothing; deadline alerts do not hand over', () => {
    expect(nextEscalationKey(ladder, { template: 'consult', alertKey: null })).toBe('remote_read:escalate:1')
    expect(nextEscalationKey(ladder, { template: 'escalated', alertKey: 'remote_read:escalate:1' })).toBe(
      'remote_read:escalate:2',
    )
    expect(
      nextEscalationKey(ladder, { template: 'escalated', alertKey: 'remote_read:escalate:2' }),
    ).toBeNull()
    expect(
      nextEscalationKey(ladder, { template: 'deadline_missed', alertKey: 'door_to_needle:missed' }),
    ).toBeNull()
    expect(escalationChannels(ladder, 'remote_read:escalate:1')).toBe('all')
  })
  it('maps templates to ladder kinds', () => {
    expect(alertKindOf('escalated')).toBe('consult')
    expect(alertKindOf('deadline_warning')).toBe('deadline')
    expect(alertKindOf('alert_repeated')).toBe('repeat')
    expect(alertKindOf('read_receipt')).toBe('info')
  })
})

describe('checkLadder', () => {
  it.each([
    ['empty', 'consult', [], 'steps', 'invalid'],
    [
      'first step later',
      'consult',
      [{ afterSeconds: 5, to: 'alert', channels: ['wecom'] }],
      'steps.0',
      'first_step_at_once',
    ],
    [
      'out of order',
      'consult',
      [
        { afterSeconds: 0, to: 'alert', channels: ['wecom'] },
        { afterSeconds: 120, to: 'alert', channels: ['voice'] },
        { afterSeconds: 60, to: ['on_call_second_line'], channels: 'all' },
      ],
      'steps.2.afterSeconds',
      'steps_out_of_order',
    ],
    [
      'hand-over outside the consult',
      'deadline',
      [
        { afterSeconds: 0, to: 'alert', channels: ['wecom'] },
        { afterSeconds: 60, to: ['all_cardiologists'], channels: ['sms'] },
      ],
      'steps.1.to',
      'escalation_only_for_consult',
    ],
    [
      'unknown channel',
      'consult',
      [{ afterSeconds: 0, to: 'alert', channels: ['fax'] }],
      'steps.0.channels',
      'invalid',
    ],
  ] as const)('%s is refused', (_name, kind, steps, field, reason) => {
    const r = checkLadder(kind, steps)
    expect(r.ok).toBe(false)
    if (!r.ok) expect([r.field.startsWith(field), r.reason]).toEqual([true, reason])
  })
  it('accepts a valid ladder and converts seconds', () => {
    const r = checkLadder('consult', [
      { afterSeconds: 0, to: 'alert', channels: ['wecom'] },
      { afterSeconds: 120, to: ['on_call_second_line'], channels: 'all' },
    ])
    expect(r.ok && r.ladder[1]!.after).toBe(minutes(2))
  })
})

describe('receipt line', () => {
  const chen = { userId: 'u1', userName: '陈主任', deliveredAt: null }
  it('one calm line per person, from the catalogue; failures only in the failure line', () => {
    const attempts = [
      {
        ...chen,
        channel: 'wecom',
        status: 'sent',
        sentAt: '2022-11-26T05:10:05Z',
        answeredAt: null,
        acknowledgedAt: null,
      },
      {
        ...chen,
        channel: 'voice',
        status: 'sent',
        sentAt: '2022-11-26T05:11:00Z',
        answeredAt: '2022-11-26T05:11:20Z',
        acknowledgedAt: '2022-11-26T05:11:40Z',
      },
      { ...chen, channel: 'sms', status: 'capped', sentAt: null, answeredAt: null, acknowledgedAt: null },
    ]
    expect(receiptLines('zh-CN', attempts)).toEqual([
      '已通知 陈主任:企业微信 13:10 · 电话 13:11 已接听 · 13:11 接诊',
    ])
    expect(failureLine('zh-CN', attempts)).toBe('未能送达:陈主任 短信(已达频次上限)')
  })
})
