import { describe, expect, it } from 'vitest'
import { render } from '../../core/messages/index.ts'
import { build, NETWORK, t, townshipStart } from '../../core/test-support.ts'
import { alertPayload, CONSULT_ACTIONS, readinessProblemPayload } from './payload.ts'

describe('push payload texts come from the catalogue', () => {
  const state = build(townshipStart())
  const base = { state, network: NETWORK, now: t(31), alertId: 'a1', alertKey: 'k', names: new Map() }

  it('a missed door-to-needle reads as the banner reads it', () => {
    const p = alertPayload({
      ...base,
      template: 'deadline_missed',
      rule: 'door_to_needle',
      cardiologist: false,
    })
    const banner = render('zh-CN', 'alertT.deadline_missed', { rule: render('zh-CN', 'rule.door_to_needle') })
    const rule = render('zh-CN', 'rule.door_to_needle')
    expect(p.title).toContain(rule)
    expect(banner).toContain(rule)
    expect(p.title).toContain('进门至溶栓')
  })

  it('carries no raw identifier and no English', () => {
    const p = alertPayload({ ...base, template: 'escalated', rule: 'first_ecg', cardiologist: true })
    const problem = readinessProblemPayload({ readinessId: 'r', name: '陈医生', problem: 'no_subscription' })
    for (const text of [
      p.title,
      p.body,
      problem.title,
      problem.body,
      ...CONSULT_ACTIONS.map((a) => a.title),
    ]) {
      expect(text).not.toMatch(/[a-z]+_[a-z_]+/)
      expect(text).not.toMatch(/\{\w+\}/)
    }
    expect(problem.body).toContain(render('zh-CN', 'ready.problem.no_subscription'))
  })
})
