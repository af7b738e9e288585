import { describe, expect, it } from 'vitest'
import type { Effect } from './effects.ts'
import { fire } from './fire.ts'
import type { CaseState } from './fold.ts'
import { step } from './step.ts'
import { ACTORS, build, ev, NETWORK, t, townshipStart } from './test-support.ts'
import { timersFor } from './timers.ts'

const accepted = (r: ReturnType<typeof step>): { state: CaseState; effects: Effect[] } => {
  if (!r.ok) throw new Error(`rejected: ${r.problem.code}`)
  return r
}
const armed = (effects: Effect[]) => effects.flatMap((e) => (e.kind === 'armTimer' ? [e.timer] : []))

describe('fire()', () => {
  const fmcOnly = () => build(townshipStart())
  const record = (state: CaseState, effects: Effect[], now: number): CaseState => {
    const sys = effects.flatMap((e) => (e.kind === 'recordSystemEvent' ? [e] : []))
    return build([
      ...state.events,
      ...sys.map((s, i) => ({
        id: `sys-${now}-${i}`,
        caseId: 'case-1',
        type: s.type,
        at: s.at,
        recordedAt: now,
        by: null,
        data: s.data,
      })),
    ])
  }

  it('a stale key (rule satisfied) is a no-op', () => {
    const state = build([...townshipStart(), ev('ecg_acquired', 3)])
    expect(fire(state, NETWORK, 'first_ecg:missed', t(10))).toEqual([])
  })

  it('an unknown key or a key not yet due is a no-op', () => {
    expect(fire(fmcOnly(), NETWORK, 'nonsense', t(10))).toEqual([])
    expect(fire(fmcOnly(), NETWORK, 'first_ecg:missed', t(9))).toEqual([])
  })

  it('a due warning records a system event, notifies and arms its first repeat', () => {
    const effects = fire(fmcOnly(), NETWORK, 'first_ecg:warn', t(7))
    expect(effects[0]).toMatchObject({
      kind: 'recordSystemEvent',
      type: 'deadline_warning',
      at: t(7),
      data: { rule: 'first_ecg', timerKey: 'first_ecg:warn', dueAt: t(10) },
    })
    expect(effects[1]).toEqual({
      kind: 'notify',
      audience: ['case_physician'],
      template: 'deadline_warning',
      rule: 'first_ecg',
      timerKey: 'first_ecg:warn',
      caseId: 'case-1',
    })
    expect(armed(effects)).toEqual([
      {
        key: 'first_ecg:warn:repeat:1',
        rule: 'first_ecg',
        kind: 'repeat',
        at: t(9),
        audience: ['case_physician'],
      },
    ])
  })

  it('folding the system event marks the key fired, so firing it again is a no-op', () => {
    const state = record(fmcOnly(), fire(fmcOnly(), NETWORK, 'first_ecg:warn', t(7)), t(7))
    expect(state.fired).toEqual(['first_ecg:warn'])
    expect(fire(state, NETWORK, 'first_ecg:warn', t(8))).toEqual([])
  })

  it('repeats every 2 min up to 20 min, then stops', () => {
    let state = record(fmcOnly(), fire(fmcOnly(), NETWORK, 'first_ecg:missed', t(10)), t(10))
    const repeats: string[] = []
    for (let n = 1; n <= 11; n++) {
      const key = `first_ecg:missed:repeat:${n}`
      const effects = fire(state, NETWORK, key, t(10 + 2 * n))
      if (effects.length === 0) break
      repeats.push(key)
      expect(effects[0]).toMatchObject({ type: 'alert_repeated' })
      state = record(state, effects, t(10 + 2 * n))
    }
    expect(repeats).toHaveLength(10)
  })

  it('an acknowledgement stops the repeats and is visible on the case', () => {
    let state = record(fmcOnly(), fire(fmcOnly(), NETWORK, 'first_ecg:missed', t(10)), t(10))
    const r = accepted(
      step(
        state,
        ev('alert_acknowledged', 11, { alertKey: 'first_ecg:missed' }),
        ACTORS.township,
        NETWORK,
        t(11),
      ),
    )
    expect(r.effects).toContainEqual({ kind: 'cancelTimer', key: 'first_ecg:missed:repeat:1' })
    state = r.state
    expect(state.acknowledgements).toEqual([{ alertKey: 'first_ecg:missed', by: 'lantian', at: t(11) }])
    expect(fire(state, NETWORK, 'first_ecg:missed:repeat:1', t(12))).toEqual([])
  })

  it('a closed case fires nothing', () => {
    const state = build([...townshipStart(), ev('outcome', 5, { outcome: 'not_acs' })])
    expect(timersFor(state, NETWORK, t(20))).toEqual([])
    expect(fire(state, NETWORK, 'first_ecg:missed', t(20))).toEqual([])
  })

  it('remote_read escalations fire along the rota until the consult is opened', () => {
    const state = build([
      ...townshipStart(),
      ev('ecg_acquired', 1),
      ev('ecg_transmitted', 2, { via: 'realtime' }),
    ])
    const first = fire(state, NETWORK, 'remote_read:escalate:1', t(5))
    expect(first[0]).toMatchObject({ type: 'escalated', data: { timerKey: 'remote_read:escalate:1' } })
    expect(first[1]).toMatchObject({ audience: ['on_call_second_line'], template: 'escalated' })
    const acked = build([...state.events, ev('consult_acknowledged', 4, {}, { by: 'dr.chen' })])
    expect(fire(acked, NETWORK, 'remote_read:escalate:2', t(8))).toEqual([])
  })
})
