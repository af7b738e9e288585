import { describe, expect, it } from 'vitest'
import type { Actor, CaseEvent } from './case-model.ts'
import type { Effect } from './effects.ts'
import type { CaseState } from './fold.ts'
import { render } from './messages/index.ts'
import { step } from './step.ts'
import { ACTORS, build, ev, NETWORK, NO_ANSWERS, t, townshipStart } from './test-support.ts'
import { timersFor } from './timers.ts'

const ok = (r: ReturnType<typeof step>): { state: CaseState; effects: Effect[] } => {
  if (!r.ok) throw new Error(`rejected: ${r.problem.code}`)
  return r
}
const armed = (effects: Effect[]) => effects.flatMap((e) => (e.kind === 'armTimer' ? [e.timer] : []))
const cancelled = (effects: Effect[]) => effects.flatMap((e) => (e.kind === 'cancelTimer' ? [e.key] : []))
const checklist = (answers: Record<string, boolean> = NO_ANSWERS) => ({
  answers,
  weightKg: 65,
  drug: 'tenecteplase',
  doseMg: 35,
  doseFraction: 'full',
})
const bolusData = { drug: 'tenecteplase', doseMg: 35, doseFraction: 'full' }
const override = { override: { reason: '家属坚决要求,主任电话同意' } }

const stemi = (): CaseEvent[] => [
  ...townshipStart(),
  ev('ecg_acquired', 2),
  ev('ecg_transmitted', 3, { via: 'realtime' }),
  ev('diagnosis', 6, { diagnosis: 'stemi' }, { by: 'dr.chen' }),
  ev('strategy', 7, { strategy: 'pharmacoinvasive' }, { by: 'dr.chen' }),
]

interface RejectionCase {
  name: string
  before: CaseEvent[]
  event: CaseEvent
  actor?: Actor
  now?: number
  status: number
  reason: string
  field?: string
  /** Whether an override reason lets it through. */
  overridable: boolean
}

const REJECTIONS: RejectionCase[] = [
  {
    name: 'time more than 5 min in the future',
    before: townshipStart(),
    event: ev('ecg_acquired', 6),
    now: t(0),
    status: 422,
    reason: 'at_in_future',
    field: 'at',
    overridable: false,
  },
  {
    name: 'event on a closed case',
    before: [...townshipStart(), ev('outcome', 30, { outcome: 'not_acs' })],
    event: ev('ecg_acquired', 31),
    status: 409,
    reason: 'case_closed',
    overridable: false,
  },
  {
    name: 'second FMC',
    before: townshipStart(),
    event: ev('first_medical_contact', 3, { facilityId: 'lantian' }),
    status: 409,
    reason: 'duplicate_time_point',
    overridable: false,
  },
  {
    name: 'second bolus',
    before: [...stemi(), ev('lysis_bolus', 20, bolusData)],
    event: ev('lysis_bolus', 22, bolusData),
    status: 409,
    reason: 'duplicate_time_point',
    overridable: false,
  },
  {
    name: 'second wire',
    before: [...stemi(), ev('arrived', 80, { facilityId: 'county' }), ev('wire_crossed', 100)],
    event: ev('wire_crossed', 101),
    status: 409,
    reason: 'duplicate_time_point',
    overridable: false,
  },
  {
    name: 'lysis decision by a township physician',
    before: stemi(),
    event: ev('lysis_decision', 10, { decision: 'approved' }),
    actor: ACTORS.township,
    status: 403,
    reason: 'not_cardiologist',
    overridable: false,
  },
  {
    name: 'second lysis decision',
    before: [
      ...stemi(),
      ev('lysis_decision', 10, { decision: 'declined', reason: '出血风险' }, { by: 'dr.chen' }),
    ],
    event: ev('lysis_decision', 12, { decision: 'approved' }, { by: 'dr.chen' }),
    actor: ACTORS.cardiologist,
    status: 409,
    reason: 'already_decided',
    overridable: true,
  },
  {
    name: 'bolus after a declined decision',
    before: [
      ...stemi(),
      ev('lysis_decision', 10, { decision: 'declined', reason: '出血风险' }, { by: 'dr.chen' }),
    ],
    event: ev('lysis_bolus', 15, bolusData),
    status: 409,
    reason: 'lysis_declined',
    overridable: true,
  },
  {
    name: 'bolus with an absolute contraindication ticked',
    before: [...stemi(), ev('lysis_checklist', 9, checklist({ ...NO_ANSWERS, aortic_dissection: true }))],
    event: ev('lysis_bolus', 15, bolusData),
    status: 409,
    reason: 'absolute_contraindication',
    overridable: true,
  },
  {
    name: 'bolus at a village',
    before: [
      ev('first_medical_contact', 0, { facilityId: 'v1' }),
      ev('diagnosis', 6, { diagnosis: 'stemi' }),
    ],
    event: ev('lysis_bolus', 15, bolusData),
    status: 422,
    reason: 'facility_cannot_lyse',
    field: 'facilityId',
    overridable: false,
  },
  {
    name: 'wire with no county arrival',
    before: stemi(),
    event: ev('wire_crossed', 90),
    status: 422,
    reason: 'wire_before_county_arrival',
    field: 'at',
    overridable: true,
  },
  {
    name: 'wire before the county arrival',
    before: [...stemi(), ev('arrived', 95, { facilityId: 'county' })],
    event: ev('wire_crossed', 90, {}, { recordedAt: t(96) }),
    now: t(96),
    status: 422,
    reason: 'wire_before_county_arrival',
    overridable: true,
  },
  {
    name: 'correction of a missing event',
    before: stemi(),
    event: ev('correction', 10, {
      eventId: 'nope',
      changes: { at: '2022-11-26T13:01:00+08:00' },
      reason: 'x',
    }),
    status: 422,
    reason: 'unknown_event',
    field: 'eventId',
    overridable: false,
  },
  {
    name: 'system event from a client',
    before: stemi(),
    event: ev('deadline_missed', 10, { rule: 'first_ecg', timerKey: 'first_ecg:missed' }),
    status: 422,
    reason: 'system_event',
    overridable: false,
  },
  {
    name: 'arrival at a facility outside the network',
    before: stemi(),
    event: ev('arrived', 10, { facilityId: 'elsewhere' }),
    status: 422,
    reason: 'unknown_facility',
    field: 'facilityId',
    overridable: false,
  },
  {
    name: 'acknowledging an alert that never fired',
    before: stemi(),
    event: ev('alert_acknowledged', 10, { alertKey: 'first_ecg:missed' }),
    status: 422,
    reason: 'unknown_alert',
    field: 'alertKey',
    overridable: false,
  },
]

describe('step() rejections', () => {
  it.each(REJECTIONS)('$name → $status $reason', (c) => {
    const state = build(c.before)
    const r = step(state, c.event, c.actor ?? ACTORS.township, NETWORK, c.now ?? c.event.at)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.problem).toMatchObject({ status: c.status, code: c.reason })
    if (c.field) expect(r.problem.field).toBe(c.field)
    // The text is the catalogue's, in both languages; the rejection itself carries none.
    expect(render('zh-CN', `problem.${r.problem.code}`).length).toBeGreaterThan(3)
    expect(render('en', `problem.${r.problem.code}`).length).toBeGreaterThan(10)
  })

  it.each(REJECTIONS.filter((c) => c.overridable))(
    '$name: an override reason lets it through and is flagged',
    (c) => {
      const event = { ...c.event, data: { ...c.event.data, ...override } }
      const { state } = ok(
        step(build(c.before), event, c.actor ?? ACTORS.township, NETWORK, c.now ?? c.event.at),
      )
      expect(state.events.at(-1)?.id).toBe(event.id)
      expect(state.flags).toContainEqual(expect.objectContaining({ code: 'override', eventId: event.id }))
    },
  )

  it('an empty override reason does not count', () => {
    const c = REJECTIONS.find((x) => x.reason === 'lysis_declined')!
    const event = { ...c.event, data: { ...c.event.data, override: { reason: '  ' } } }
    expect(step(build(c.before), event, ACTORS.township, NETWORK, event.at)).toMatchObject({
      ok: false,
      problem: { code: 'lysis_declined' },
    })
  })

  it('notes and corrections are still accepted on a closed case', () => {
    const before = [...townshipStart(), ev('outcome', 30, { outcome: 'not_acs' })]
    const target = before[0]!
    ok(step(build(before), ev('note', 40, { text: '家属已告知' }), ACTORS.township, NETWORK, t(40)))
    ok(
      step(
        build(before),
        ev('correction', 40, {
          eventId: target.id,
          changes: { at: '2022-11-26T12:58:00+08:00' },
          reason: '补录',
        }),
        ACTORS.township,
        NETWORK,
        t(40),
      ),
    )
  })

  it('a bolus without checklist or decision is not blocked, but flagged', () => {
    const e = ev('lysis_bolus', 15, bolusData)
    const { state } = ok(step(build(stemi()), e, ACTORS.township, NETWORK, t(15)))
    const missing = state.flags.filter((f) => f.code === 'missing_time_point' && f.eventId === e.id)
    expect(missing).toHaveLength(2)
  })

  it('a replayed event id is an idempotent no-op', () => {
    const events = stemi()
    const state = build(events)
    expect(step(state, events[2]!, ACTORS.township, NETWORK, t(10))).toEqual({ ok: true, state, effects: [] })
  })
})

describe('step() effects', () => {
  it('a back-dated FMC 12 min ago with no ECG wants the first_ecg missed alert now, and no stale warning', () => {
    const now = t(12)
    const { effects } = ok(
      step(
        build([]),
        ev('first_medical_contact', 0, { facilityId: 'lantian' }),
        ACTORS.township,
        NETWORK,
        now,
      ),
    )
    const timers = armed(effects).filter((x) => x.rule === 'first_ecg')
    expect(timers.map((x) => x.key)).toEqual(['first_ecg:missed'])
    for (const x of timers) expect(x.at).toBeLessThanOrEqual(now)
  })

  it('a back-dated FMC 8 min ago (past the warning, before due) wants the warning now and the miss later', () => {
    const now = t(8)
    const { effects } = ok(
      step(
        build([]),
        ev('first_medical_contact', 0, { facilityId: 'lantian' }),
        ACTORS.township,
        NETWORK,
        now,
      ),
    )
    const timers = armed(effects).filter((x) => x.rule === 'first_ecg')
    expect(Object.fromEntries(timers.map((x) => [x.key, x.at <= now]))).toEqual({
      'first_ecg:warn': true,
      'first_ecg:missed': false,
    })
  })

  it('the ECG cancels the first_ecg timers', () => {
    const { effects } = ok(
      step(build(townshipStart()), ev('ecg_acquired', 4), ACTORS.township, NETWORK, t(4)),
    )
    expect(cancelled(effects).sort()).toEqual(['first_ecg:missed', 'first_ecg:warn'])
    expect(armed(effects)).toEqual([])
  })

  it('ECG transmission notifies the first-line and arms the read escalation ladder', () => {
    const before = [...townshipStart(), ev('ecg_acquired', 2)]
    const { effects } = ok(
      step(build(before), ev('ecg_transmitted', 3, { via: 'upload' }), ACTORS.township, NETWORK, t(3)),
    )
    expect(effects).toContainEqual({
      kind: 'notify',
      audience: ['on_call_first_line'],
      template: 'consult',
      caseId: 'case-1',
    })
    expect(armed(effects).map((x) => [x.key, x.at, x.audience])).toEqual([
      ['remote_read:missed', t(13), ['on_call_first_line', 'case_physician']],
      ['remote_read:escalate:1', t(6), ['on_call_second_line']],
      ['remote_read:escalate:2', t(9), ['all_cardiologists']],
    ])
  })

  it('consult_acknowledged stops the escalation and sends a read receipt; the 10-min read deadline stays', () => {
    const before = [...townshipStart(), ev('ecg_acquired', 2), ev('ecg_transmitted', 3, { via: 'upload' })]
    const { effects, state } = ok(
      step(
        build(before),
        ev('consult_acknowledged', 4, {}, { by: 'dr.chen' }),
        ACTORS.cardiologist,
        NETWORK,
        t(4),
      ),
    )
    expect(cancelled(effects).sort()).toEqual(['remote_read:escalate:1', 'remote_read:escalate:2'])
    expect(effects).toContainEqual({
      kind: 'notify',
      audience: ['case_physician'],
      template: 'read_receipt',
      caseId: 'case-1',
    })
    expect(timersFor(state, NETWORK, t(4)).map((x) => x.key)).toContain('remote_read:missed')
    expect(state.points.consultAcknowledged).toEqual({ by: 'dr.chen', at: t(4) })
  })

  it('a lysis decision notifies the case physician; a cath lab call notifies the cath lab', () => {
    const d = ok(
      step(
        build(stemi()),
        ev('lysis_decision', 9, { decision: 'approved' }, { by: 'dr.chen' }),
        ACTORS.cardiologist,
        NETWORK,
        t(9),
      ),
    )
    expect(d.effects).toContainEqual({
      kind: 'notify',
      audience: ['case_physician'],
      template: 'decision',
      caseId: 'case-1',
    })
    const c = ok(
      step(build(stemi()), ev('cath_lab_activated', 9, {}, { by: 'cathlab' }), ACTORS.cathLab, NETWORK, t(9)),
    )
    expect(c.effects).toContainEqual({
      kind: 'notify',
      audience: ['cath_lab'],
      template: 'cath_lab_activated',
      caseId: 'case-1',
    })
    expect(armed(c.effects).map((x) => x.key)).toEqual([
      'cath_lab_activation:warn',
      'cath_lab_activation:missed',
    ])
  })

  it('a correction that moves FMC re-arms the first_ecg timers at the new times', () => {
    const events = townshipStart()
    const fmc = events[0]!
    const { effects } = ok(
      step(
        build(events),
        ev('correction', 2, {
          eventId: fmc.id,
          changes: { at: '2022-11-26T12:58:00+08:00' },
          reason: '时间录错',
        }),
        ACTORS.township,
        NETWORK,
        t(2),
      ),
    )
    expect(armed(effects).map((x) => [x.key, x.at])).toEqual([
      ['first_ecg:warn', t(5)],
      ['first_ecg:missed', t(8)],
    ])
  })
})
