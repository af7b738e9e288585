import { describe, expect, it } from 'vitest'
import type { Actor, CaseInfo } from './case-model.ts'
import { etaOf, haversineKm, type PositionFix } from './eta.ts'
import { falseActivationsByMonth, isFalseActivation } from './false-activation.ts'
import { phaseOf } from './phase.ts'
import { step } from './step.ts'
import { ACTORS, INFO, NETWORK, NO_ANSWERS, build, ev, t } from './test-support.ts'
import type { NetworkInfo } from './network.ts'

const COUNTY = { lat: 25.0556, lon: 118.1862 }
const SCENE = { lat: 25.2, lon: 118.05 }

const AMB_NETWORK: NetworkInfo = {
  ...NETWORK,
  facilities: [
    ...NETWORK.facilities.map((f) => (f.id === 'county' ? { ...f, ...COUNTY } : f)),
    { id: 'amb', name: '120 1号车', level: 'ambulance', canLyse: false, hasCathLab: false, lysisDrugs: [] },
  ],
  travel: [...NETWORK.travel, { from: 'amb', to: 'county', minutes: 30 }],
}
const LYSIS_NETWORK: NetworkInfo = { ...AMB_NETWORK, prehospitalLysis: true }
const AMB_INFO: CaseInfo = { ...INFO, facilityId: 'amb', createdBy: 'crew120' }
const CREW: Actor = { id: 'crew120', roles: ['ems_crew'], facilityIds: ['amb'] }
const crew = { by: 'crew120' }

const emsStemi = () => [
  ev('ems_call', 0, {}, crew),
  ev('ems_dispatched', 2, {}, crew),
  ev('ems_on_scene', 14, {}, crew),
  ev('first_medical_contact', 15, { facilityId: 'amb', arrivalMode: 'ambulance' }, crew),
  ev('ecg_acquired', 18, {}, crew),
  ev('ecg_transmitted', 19, { via: 'realtime' }, crew),
  ev('diagnosis', 23, { diagnosis: 'stemi' }, { by: 'dr.chen' }),
]
const left = (m: number) => ev('ems_left_scene', m, { toFacilityId: 'county' }, crew)

describe('EMS time points', () => {
  it('fold into time points; the clocks start at the crew first medical contact; leaving the scene is a transit', () => {
    const s = build([...emsStemi(), left(30)], AMB_INFO, AMB_NETWORK)
    expect(s.points.emsCall).toBe(t(0))
    expect(s.points.emsDispatched).toBe(t(2))
    expect(s.points.emsOnScene).toBe(t(14))
    expect(s.points.emsLeftScene).toBe(t(30))
    expect(s.points.fmc).toBe(t(15))
    expect(s.points.fmcFacilityId).toBe('amb')
    expect(s.points.departures).toEqual([
      expect.objectContaining({ facilityId: 'amb', toFacilityId: 'county', at: t(30), fromPciCenter: false }),
    ])
    expect(phaseOf(s)).toBe('transfer')
  })

  it('refuses a destination outside the network, naming the field', () => {
    const r = step(
      build(emsStemi(), AMB_INFO, AMB_NETWORK),
      ev('ems_left_scene', 30, { toFacilityId: 'nowhere' }, crew),
      CREW,
      AMB_NETWORK,
      t(30),
    )
    expect(r).toMatchObject({ ok: false, problem: { code: 'unknown_facility', field: 'toFacilityId' } })
  })
})

describe('pre-hospital lysis uses the township bolus gates', () => {
  const bolus = (data: Record<string, unknown> = {}) =>
    ev('lysis_bolus', 40, { drug: 'tenecteplase', doseMg: 35, doseFraction: 'full', ...data }, crew)
  const checklist = (answers: Record<string, boolean>) =>
    ev(
      'lysis_checklist',
      25,
      { answers, weightKg: 70, drug: 'tenecteplase', doseMg: 35, doseFraction: 'full' },
      crew,
    )
  const cases: {
    name: string
    network: NetworkInfo
    before: ReturnType<typeof emsStemi>
    reason: string | null
  }[] = [
    {
      name: 'network without pre-hospital lysis',
      network: AMB_NETWORK,
      before: emsStemi(),
      reason: 'facility_cannot_lyse',
    },
    { name: 'network allowing it', network: LYSIS_NETWORK, before: emsStemi(), reason: null },
    {
      name: 'declined decision',
      network: LYSIS_NETWORK,
      before: [
        ...emsStemi(),
        ev('lysis_decision', 26, { decision: 'declined', reason: '出血风险' }, { by: 'dr.chen' }),
      ],
      reason: 'lysis_declined',
    },
    {
      name: 'absolute contraindication',
      network: LYSIS_NETWORK,
      before: [...emsStemi(), checklist({ ...NO_ANSWERS, aortic_dissection: true })],
      reason: 'absolute_contraindication',
    },
  ]
  it.each(cases)('$name', ({ network, before, reason }) => {
    const r = step(build(before, AMB_INFO, network), bolus(), CREW, network, t(40))
    if (reason === null) expect(r.ok).toBe(true)
    else expect(r).toMatchObject({ ok: false, problem: { code: reason } })
  })
})

describe('confirm step before full cath lab activation', () => {
  const activate = (data: Record<string, unknown> = {}) => ev('cath_lab_activated', 25, data, crew)
  const noRead = emsStemi().filter((e) => e.type !== 'diagnosis')
  it.each([
    { name: 'crew before any read, no reason', before: noRead, actor: CREW, data: {}, ok: false },
    {
      name: 'crew before any read, with a reason',
      before: noRead,
      actor: CREW,
      data: { reason: '典型 ST 抬高,立即激活' },
      ok: true,
    },
    { name: 'crew after the STEMI read', before: emsStemi(), actor: CREW, data: {}, ok: true },
    { name: 'cardiologist', before: noRead, actor: ACTORS.cardiologist, data: {}, ok: true },
    {
      name: 'crew after a non-STEMI read',
      before: [...noRead, ev('diagnosis', 23, { diagnosis: 'nstemi' }, { by: 'dr.chen' })],
      actor: CREW,
      data: {},
      ok: false,
    },
  ])('$name', ({ before, actor, data, ok }) => {
    const r = step(build(before, AMB_INFO, AMB_NETWORK), activate(data), actor, AMB_NETWORK, t(25))
    if (ok) expect(r.ok).toBe(true)
    else expect(r).toMatchObject({ ok: false, problem: { code: 'activation_needs_reason', field: 'reason' } })
  })
})

describe('ETA of a vehicle on the road', () => {
  const DEP = 30
  /** A simulated straight-line track from the scene to the county at `kmPerMin`, one fix a minute. */
  const track = (fromMin: number, toMin: number, kmPerMin: number, accuracyM = 20): PositionFix[] => {
    const total = haversineKm(SCENE, COUNTY)
    const out: PositionFix[] = []
    for (let m = fromMin; m <= toMin; m++) {
      const f = Math.min(1, ((m - DEP) * kmPerMin) / total)
      out.push({
        at: t(m),
        lat: SCENE.lat + (COUNTY.lat - SCENE.lat) * f,
        lon: SCENE.lon + (COUNTY.lon - SCENE.lon) * f,
        accuracyM,
      })
    }
    return out
  }
  const stopped = (fromMin: number, toMin: number): PositionFix[] =>
    Array.from({ length: toMin - fromMin + 1 }, (_, i) => ({ at: t(fromMin + i), ...SCENE, accuracyM: 15 }))
  const transit = build([...emsStemi(), left(DEP)], AMB_INFO, AMB_NETWORK)
  const km = haversineKm(SCENE, COUNTY)

  it('the simulated road is about 21 km (sanity of the haversine)', () => {
    expect(km).toBeGreaterThan(19)
    expect(km).toBeLessThan(23)
  })

  const cases: {
    name: string
    fixes: PositionFix[]
    now: number
    source: 'position' | 'travel_matrix'
    etaMin: [number, number]
  }[] = [
    {
      name: 'no position: departure + matrix',
      fixes: [],
      now: 40,
      source: 'travel_matrix',
      etaMin: [60, 60],
    },
    // Halfway after 17.5 min at 0.6 km/min: closing speed says 17.5 min more, the scaled matrix 15.
    {
      name: 'halfway at 0.6 km/min',
      fixes: track(DEP, 47, 0.6),
      now: 47,
      source: 'position',
      etaMin: [62, 65.5],
    },
    // Faster than the matrix assumes: ~6 km left after 15 min; closing speed says 6 min, the
    // scaled matrix 30 × 6/21 ≈ 8.6, the mean ≈ 7.3 → about departure + 22, well before + 30.
    { name: 'fast vehicle', fixes: track(DEP, 45, 1.0), now: 45, source: 'position', etaMin: [51, 54] },
    // Stopped at the scene for 10 min: no closing speed, the scaled matrix alone (all 30 min still to go).
    { name: 'stopped at the scene', fixes: stopped(DEP, 40), now: 40, source: 'position', etaMin: [70, 70] },
    // The last fix is 20 min old (dead zone): never earlier than now.
    { name: 'stale fix', fixes: track(DEP, 40, 0.6), now: 90, source: 'position', etaMin: [90, 90] },
    {
      name: 'only coarse fixes',
      fixes: track(DEP, 45, 0.6, 5_000),
      now: 45,
      source: 'travel_matrix',
      etaMin: [60, 60],
    },
    {
      name: 'fixes before the departure are ignored',
      fixes: stopped(20, 29),
      now: 35,
      source: 'travel_matrix',
      etaMin: [60, 60],
    },
  ]
  it.each(cases)('$name', ({ fixes, now, source, etaMin }) => {
    const eta = etaOf(transit.points, AMB_NETWORK, fixes, t(now))!
    expect(eta.etaSource).toBe(source)
    expect(eta.etaAt).toBeGreaterThanOrEqual(t(etaMin[0]))
    expect(eta.etaAt).toBeLessThanOrEqual(t(etaMin[1]))
    if (source === 'position') expect(eta.uncertaintyMinutes).toBeGreaterThanOrEqual(1)
    else expect(eta.uncertaintyMinutes).toBeNull()
  })

  it('a coarser fix makes the estimate less certain', () => {
    const fine = etaOf(transit.points, AMB_NETWORK, track(DEP, 47, 0.6, 10), t(47))!
    const coarse = etaOf(transit.points, AMB_NETWORK, track(DEP, 47, 0.6, 900), t(47))!
    expect(coarse.uncertaintyMinutes!).toBeGreaterThan(fine.uncertaintyMinutes!)
  })

  it('a destination without coordinates keeps the matrix estimate', () => {
    const s = build([...emsStemi(), ev('ems_left_scene', DEP, { toFacilityId: 'lantian' }, crew)], AMB_INFO, {
      ...AMB_NETWORK,
      travel: [...AMB_NETWORK.travel, { from: 'amb', to: 'lantian', minutes: 25 }],
    })
    const eta = etaOf(
      s.points,
      { ...AMB_NETWORK, travel: [...AMB_NETWORK.travel, { from: 'amb', to: 'lantian', minutes: 25 }] },
      track(DEP, 40, 0.6),
      t(40),
    )!
    expect(eta).toMatchObject({ etaSource: 'travel_matrix', etaAt: t(DEP + 25) })
    expect(eta.lastPosition?.at).toBe(t(40))
  })

  it('no ETA once the patient has arrived', () => {
    const s = build(
      [...emsStemi(), left(DEP), ev('arrived', 62, { facilityId: 'county' })],
      AMB_INFO,
      AMB_NETWORK,
    )
    expect(etaOf(s.points, AMB_NETWORK, track(DEP, 60, 0.6), t(63))).toBeNull()
  })
})

describe('false cath lab activations', () => {
  const activated = (extra: ReturnType<typeof emsStemi>) =>
    build(
      [...emsStemi(), ev('cath_lab_activated', 25, {}, { by: 'dr.chen' }), ...extra],
      AMB_INFO,
      AMB_NETWORK,
    ).points
  it.each([
    { name: 'still on the way', extra: [], isFalse: false },
    {
      name: 'reread as not STEMI',
      extra: [ev('diagnosis', 50, { diagnosis: 'aortic_dissection' }, { by: 'dr.chen' })],
      isFalse: true,
    },
    {
      name: 'closed without a wire',
      extra: [ev('outcome', 300, { outcome: 'discharged_alive' }, { by: 'dr.chen' })],
      isFalse: true,
    },
    {
      name: 'wire crossed',
      extra: [
        ev('arrived', 62, { facilityId: 'county' }),
        ev('wire_crossed', 100, {}, { by: 'dr.chen' }),
        ev('outcome', 300, { outcome: 'discharged_alive' }, { by: 'dr.chen' }),
      ],
      isFalse: false,
    },
  ])('$name', ({ extra, isFalse }) => {
    expect(isFalseActivation(activated(extra))).toBe(isFalse)
  })

  it('counts per month of activation', () => {
    const notActivated = build(emsStemi(), AMB_INFO, AMB_NETWORK).points
    const rows = falseActivationsByMonth([
      activated([]),
      activated([ev('diagnosis', 50, { diagnosis: 'non_cardiac' }, { by: 'dr.chen' })]),
      notActivated,
    ])
    // T0 is 2022-11-26 13:00 in China.
    expect(rows).toEqual([{ month: '2022-11-01', activations: 2, falseActivations: 1 }])
  })
})
