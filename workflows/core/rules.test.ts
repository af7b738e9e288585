import { describe, expect, it } from 'vitest'
import type { CaseEvent } from './case-model.ts'
import { plan } from './deadlines.ts'
import { RULE_KEYS, type RuleKey } from './rule-keys.ts'
import { RULES, ruleByKey } from './rules.ts'
import { build, ev, NETWORK, t, townshipStart, INFO } from './test-support.ts'
import { timersFor } from './timers.ts'

interface RuleCase {
  /** Events that make the rule start (clock starts at `startMin`). */
  start: () => CaseEvent[]
  startMin: number
  target: number
  warn: number | null
  /** Events that satisfy the rule at minute m. */
  satisfy: (m: number) => CaseEvent[]
  info?: typeof INFO
}

const stemiAtLantian = (strategy: string): CaseEvent[] => [
  ...townshipStart(),
  ev('ecg_acquired', 1),
  ev('ecg_transmitted', 2, { via: 'realtime' }),
  ev('diagnosis', 4, { diagnosis: 'stemi' }, { by: 'dr.chen' }),
  ev('strategy', 5, { strategy }, { by: 'dr.chen' }),
]
const bolus = (m: number) => ev('lysis_bolus', m, { drug: 'tenecteplase', doseMg: 35, doseFraction: 'full' })
const countyArrival = (m: number) => ev('arrived', m, { facilityId: 'county', bypassedEd: true })

/** One row per rule of docs/clinical-rules.md: what starts it and what satisfies it. */
const CASES: Record<RuleKey, RuleCase> = {
  first_ecg: {
    start: townshipStart,
    startMin: 0,
    target: 10,
    warn: 7,
    satisfy: (m) => [ev('ecg_acquired', m)],
  },
  remote_read: {
    start: () => [...townshipStart(), ev('ecg_acquired', 1), ev('ecg_transmitted', 2, { via: 'realtime' })],
    startMin: 2,
    target: 10,
    warn: null,
    satisfy: (m) => [ev('diagnosis', m, { diagnosis: 'stemi' }, { by: 'dr.chen' })],
  },
  diagnosis_to_needle: {
    start: () => stemiAtLantian('pharmacoinvasive'),
    startMin: 4,
    target: 10,
    warn: 7,
    satisfy: (m) => [bolus(m)],
  },
  door_to_needle: {
    start: () => stemiAtLantian('pharmacoinvasive'),
    startMin: 0,
    target: 30,
    warn: 20,
    satisfy: (m) => [bolus(m)],
  },
  door_in_door_out: {
    start: () => [...stemiAtLantian('primary_pci'), ev('transfer_decided', 6, { toFacilityId: 'county' })],
    startMin: 0,
    target: 30,
    warn: 20,
    satisfy: (m) => [ev('departed', m, { facilityId: 'lantian', toFacilityId: 'county' })],
  },
  cath_lab_activation: {
    start: () => [...stemiAtLantian('primary_pci'), ev('cath_lab_activated', 20, {}, { by: 'cathlab' })],
    startMin: 20,
    target: 30,
    warn: 20,
    satisfy: (m) => [ev('cath_lab_ready', m, {}, { by: 'cathlab' })],
  },
  reperfusion_check: {
    start: () => [...stemiAtLantian('pharmacoinvasive'), bolus(20)],
    startMin: 20,
    target: 90,
    warn: 60,
    satisfy: (m) => [ev('reperfusion_assessment', m, { stResolution: true, painRelief: true })],
  },
  rescue_pci: {
    start: () => [
      ...stemiAtLantian('pharmacoinvasive'),
      bolus(20),
      countyArrival(75),
      ev('reperfusion_assessment', 80, { stResolution: false, painRelief: false }),
    ],
    startMin: 80,
    target: 60,
    warn: 0,
    satisfy: (m) => [ev('wire_crossed', m)],
  },
  angiography_after_lysis: {
    start: () => [
      ...stemiAtLantian('pharmacoinvasive'),
      bolus(20),
      ev('reperfusion_assessment', 80, { stResolution: true, painRelief: true }),
      countyArrival(100),
    ],
    startMin: 20,
    target: 24 * 60,
    warn: 20 * 60,
    satisfy: (m) => [ev('wire_crossed', m)],
  },
  fmc_to_wire: {
    start: () => [...stemiAtLantian('primary_pci'), countyArrival(60)],
    startMin: 0,
    target: 120,
    warn: 90,
    satisfy: (m) => [ev('wire_crossed', m)],
  },
  door_to_wire: {
    start: () => [
      ev('first_medical_contact', 0, { facilityId: 'county', arrivalMode: 'ambulance' }),
      countyArrival(0),
      ev('ecg_acquired', 2),
      ev('diagnosis', 5, { diagnosis: 'stemi' }, { by: 'dr.chen' }),
    ],
    startMin: 0,
    target: 60,
    warn: 45,
    satisfy: (m) => [ev('wire_crossed', m)],
    info: { ...INFO, facilityId: 'county' },
  },
  repeat_ecg: {
    start: () => [
      ...townshipStart(),
      ev('ecg_acquired', 1),
      ev('diagnosis', 5, { diagnosis: 'inconclusive' }),
    ],
    startMin: 5,
    target: 30,
    warn: 15,
    satisfy: (m) => [ev('ecg_acquired', m)],
  },
}

describe('RULES table', () => {
  it('has exactly one row per rule key of docs/clinical-rules.md, each citing a source', () => {
    expect(RULES.map((r) => r.key).sort()).toEqual([...RULE_KEYS].sort())
    for (const r of RULES) {
      expect(r.source.length).toBeGreaterThan(10)
      expect(r.alert.length).toBeGreaterThan(0)
      expect(r.title.zh && r.title.en).toBeTruthy()
    }
  })
})

describe.each(RULES.map((r) => [r.key, r] as const))('rule %s', (key, rule) => {
  const c = CASES[key]
  const start = t(c.startMin)
  const due = t(c.startMin + c.target)
  const deadline = (events: CaseEvent[], now: number) =>
    plan(build(events, c.info), NETWORK, now).find((d) => d.rule === key)

  it('does not apply before its start event', () => {
    expect(deadline(c.start().slice(0, 0), t(0))).toBeUndefined()
  })

  it('starts, with the table target and warning', () => {
    const d = deadline(c.start(), start)
    expect(d).toMatchObject({ startAt: start, dueAt: due, status: 'pending', metAt: null })
    expect(d?.warnAt).toBe(c.warn === null ? null : t(c.startMin + c.warn))
    expect((rule.targetFor?.(build(c.start(), c.info), NETWORK).target ?? rule.target) / 60_000).toBe(
      c.target,
    )
  })

  it('warns and arms its missed timer', () => {
    const keys = timersFor(build(c.start(), c.info), NETWORK, start).filter((x) => x.rule === key)
    expect(keys.find((x) => x.kind === 'missed')?.at).toBe(due)
    const warn = keys.find((x) => x.kind === 'warning')
    if (c.warn === null) expect(warn).toBeUndefined()
    else expect(warn).toMatchObject({ key: `${key}:warn`, at: t(c.startMin + c.warn), audience: rule.alert })
  })

  // "< 30" rules (cath lab activation) miss at exactly the target; the others meet it
  // (docs/clinical-rules.md, "Cath lab activation").
  const strict = ruleByKey(key).strictTarget === true
  it(`is ${strict ? 'missed' : 'met'} when satisfied exactly at the due time`, () => {
    const events = [...c.start(), ...c.satisfy(c.startMin + c.target)]
    expect(deadline(events, due + 1)).toMatchObject({ status: strict ? 'missed' : 'met', metAt: due })
    expect(timersFor(build(events, c.info), NETWORK, due).filter((x) => x.rule === key)).toEqual([])
  })

  it('is met one minute before the due time', () => {
    const events = [...c.start(), ...c.satisfy(c.startMin + c.target - 1)]
    expect(deadline(events, due + 1)).toMatchObject({ status: 'met', metAt: due - 60_000 })
  })

  it('is missed when satisfied one minute late', () => {
    const events = [...c.start(), ...c.satisfy(c.startMin + c.target + 1)]
    expect(deadline(events, due + 60_000)).toMatchObject({ status: 'missed', metAt: due + 60_000 })
  })

  it('is pending at the due time and missed after it when unsatisfied', () => {
    expect(deadline(c.start(), due)?.status).toBe('pending')
    expect(deadline(c.start(), due + 1)?.status).toBe('missed')
  })
})

describe('rule specifics', () => {
  it('fmc_to_wire: 90/60 min when FMC is at the county (direct)', () => {
    const events = [
      ev('first_medical_contact', 0, { facilityId: 'county' }),
      ev('arrived', 0, { facilityId: 'county' }),
      ev('diagnosis', 5, { diagnosis: 'stemi' }, { by: 'dr.chen' }),
    ]
    const d = plan(build(events, { ...INFO, facilityId: 'county' }), NETWORK, t(5)).find(
      (x) => x.rule === 'fmc_to_wire',
    )
    expect(d).toMatchObject({ dueAt: t(90), warnAt: t(60) })
  })

  it('fmc_to_wire does not apply once lysis is given', () => {
    const events = [...stemiAtLantian('pharmacoinvasive'), bolus(20)]
    expect(plan(build(events), NETWORK, t(20)).some((d) => d.rule === 'fmc_to_wire')).toBe(false)
  })

  it('door_to_needle starts from a checklist at a lysing facility even without a strategy', () => {
    const events = [
      ...townshipStart(),
      ev('lysis_checklist', 8, {
        answers: {},
        weightKg: 65,
        drug: 'tenecteplase',
        doseMg: 35,
        doseFraction: 'full',
      }),
    ]
    expect(plan(build(events), NETWORK, t(8)).find((d) => d.rule === 'door_to_needle')?.startAt).toBe(t(0))
  })

  it('a declined lysis removes door_to_needle and diagnosis_to_needle', () => {
    const events = [
      ...stemiAtLantian('pharmacoinvasive'),
      ev('lysis_decision', 8, { decision: 'declined', reason: 'x' }, { by: 'dr.chen' }),
    ]
    const rules = plan(build(events), NETWORK, t(8)).map((d) => d.rule)
    expect(rules).not.toContain('door_to_needle')
    expect(rules).not.toContain('diagnosis_to_needle')
  })

  it('diagnosis_to_needle does not apply to a STEMI read at a village (no lysis there)', () => {
    const info = { ...INFO, facilityId: 'v1' }
    const events = [
      ev('first_medical_contact', 0, { facilityId: 'v1' }),
      ev('ecg_acquired', 3),
      ev('diagnosis', 8, { diagnosis: 'stemi' }, { by: 'dr.chen' }),
      ev('strategy', 9, { strategy: 'pharmacoinvasive' }, { by: 'dr.chen' }),
    ]
    const rules = plan(build(events, info), NETWORK, t(9)).map((d) => d.rule)
    expect(rules).not.toContain('diagnosis_to_needle')
    expect(rules).not.toContain('door_to_needle')
  })

  it('door_in_door_out at a village uses FMC as door-in', () => {
    const info = { ...INFO, facilityId: 'v1' }
    const events = [
      ev('first_medical_contact', 0, { facilityId: 'v1' }),
      ev('transfer_decided', 12, { toFacilityId: 'lantian' }),
    ]
    expect(
      plan(build(events, info), NETWORK, t(12)).find((d) => d.rule === 'door_in_door_out'),
    ).toMatchObject({ startAt: t(0), dueAt: t(30) })
  })

  it('door_to_wire does not apply after successful lysis while no cath lab is called', () => {
    const events = CASES.angiography_after_lysis.start()
    expect(plan(build(events), NETWORK, t(100)).some((d) => d.rule === 'door_to_wire')).toBe(false)
  })

  it('angiography_after_lysis: a wire under 2 h still meets the deadline', () => {
    const events = [...CASES.angiography_after_lysis.start(), ev('wire_crossed', 110)]
    expect(
      plan(build(events), NETWORK, t(110)).find((d) => d.rule === 'angiography_after_lysis')?.status,
    ).toBe('met')
  })
})
