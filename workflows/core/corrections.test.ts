import { describe, expect, it } from 'vitest'
import { metricsOf } from './metrics.ts'
import { step } from './step.ts'
import { ACTORS, build, ev, NETWORK, NO_ANSWERS, t, townshipStart } from './test-support.ts'

const iso = (m: number) => new Date(t(m)).toISOString()

describe('corrections', () => {
  it('a corrected `at` moves the time point before anything is derived', () => {
    const ecg = ev('ecg_acquired', 14)
    const events = [
      ...townshipStart(),
      ecg,
      ev('correction', 20, { eventId: ecg.id, changes: { at: iso(8) }, reason: '机器时钟错误' }),
    ]
    const s = build(events)
    expect(s.points.firstEcg).toBe(t(8))
    expect(metricsOf(s).values.fmc_to_ecg).toBe(8)
    expect(s.flags).toContainEqual(expect.objectContaining({ code: 'corrected', eventId: ecg.id }))
    expect(s.effective.map((e) => e.type)).not.toContain('correction')
  })

  it('corrected payload data is used (diagnosis) and several corrections apply in recordedAt order', () => {
    const dx = ev('diagnosis', 5, { diagnosis: 'nstemi' }, { by: 'dr.chen' })
    const c1 = ev(
      'correction',
      10,
      { eventId: dx.id, changes: { diagnosis: 'stemi' }, reason: '复读' },
      { recordedAt: t(10) },
    )
    const c2 = ev(
      'correction',
      9,
      { eventId: dx.id, changes: { diagnosis: 'unstable_angina' }, reason: '初读' },
      { recordedAt: t(9) },
    )
    const s = build([...townshipStart(), dx, c1, c2])
    expect(s.points.firstStemiDiagnosis).toBe(t(5))
    expect(s.corrections.map((c) => c.correctionId)).toEqual([c2.id, c1.id])
  })

  it('a checklist answer can be corrected on its own; the screening is re-derived by the server', () => {
    const cl = ev('lysis_checklist', 8, {
      answers: NO_ANSWERS,
      weightKg: 65,
      drug: 'tenecteplase',
      doseMg: 35,
      doseFraction: 'full',
      result: 'suitable',
    })
    const before = [...townshipStart(), cl]
    const fix = ev('correction', 9, {
      eventId: cl.id,
      changes: { answers: { active_bleeding_or_diathesis: true } },
      reason: '漏填',
    })
    const r = step(build(before), fix, ACTORS.township, NETWORK, t(9))
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.state.points.checklist).toMatchObject({
      result: 'unsuitable',
      absolute: ['active_bleeding_or_diathesis'],
    })
  })

  it('a correction of a correction is rejected', () => {
    const ecg = ev('ecg_acquired', 4)
    const c = ev('correction', 6, { eventId: ecg.id, changes: { at: iso(3) }, reason: 'x' })
    const r = step(
      build([...townshipStart(), ecg, c]),
      ev('correction', 7, { eventId: c.id, changes: { reason: 'y' }, reason: 'z' }),
      ACTORS.township,
      NETWORK,
      t(7),
    )
    expect(r).toMatchObject({
      ok: false,
      problem: { status: 422, code: 'invalid_correction_target', field: 'eventId' },
    })
  })

  it('a correction of a system event is rejected', () => {
    const sys = {
      id: 'sys-1',
      caseId: 'case-1',
      type: 'deadline_warning' as const,
      at: t(7),
      recordedAt: t(7),
      by: null,
      data: { rule: 'first_ecg', timerKey: 'first_ecg:warn' },
    }
    const r = step(
      build([...townshipStart(), sys]),
      ev('correction', 8, { eventId: 'sys-1', changes: { at: iso(6) }, reason: 'z' }),
      ACTORS.township,
      NETWORK,
      t(8),
    )
    expect(r).toMatchObject({ ok: false, problem: { code: 'invalid_correction_target' } })
  })

  it('changes must stay valid for the target type', () => {
    const dx = ev('diagnosis', 5, { diagnosis: 'stemi' }, { by: 'dr.chen' })
    const bad = step(
      build([...townshipStart(), dx]),
      ev('correction', 8, { eventId: dx.id, changes: { diagnosis: 'heartburn' }, reason: 'z' }),
      ACTORS.township,
      NETWORK,
      t(8),
    )
    expect(bad).toMatchObject({
      ok: false,
      problem: { status: 422, code: 'invalid_correction', field: 'changes.diagnosis' },
    })
    const future = step(
      build([...townshipStart(), dx]),
      ev('correction', 8, { eventId: dx.id, changes: { at: iso(30) }, reason: 'z' }),
      ACTORS.township,
      NETWORK,
      t(8),
    )
    expect(future).toMatchObject({ ok: false, problem: { code: 'at_in_future', field: 'changes.at' } })
  })

  it('a correction targeting an event that does not exist is rejected', () => {
    const r = step(
      build(townshipStart()),
      ev('correction', 8, { eventId: 'missing', changes: { at: iso(1) }, reason: 'z' }),
      ACTORS.township,
      NETWORK,
      t(8),
    )
    expect(r).toMatchObject({ ok: false, problem: { status: 422, code: 'unknown_event' } })
  })
})
