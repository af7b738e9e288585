/**
 * Door-to-needle counts from the door of a lysis unit as soon as the lysis path is possible,
 * not from the first sign of it (docs/clinical-rules.md, "Door to needle from the door").
 */
import { describe, expect, it } from 'vitest'
import type { CaseEvent, CaseInfo } from './case-model.ts'
import { plan } from './deadlines.ts'
import { build, ev, INFO, NETWORK, t, townshipStart } from './test-support.ts'
import { timersFor } from './timers.ts'

const d2n = (events: CaseEvent[], now: number, info: CaseInfo = INFO) =>
  plan(build(events, info), NETWORK, now).find((d) => d.rule === 'door_to_needle')
const read = (m: number, diagnosis: string) => ev('diagnosis', m, { diagnosis }, { by: 'dr.chen' })

describe('door-to-needle from the door of a lysis unit', () => {
  it('a township walk-in not yet read: pending from the door, amber from the 20-min warning point', () => {
    const d = d2n(townshipStart(), t(5))
    expect(d).toMatchObject({ status: 'pending', startAt: t(0), warnAt: t(20), dueAt: t(30) })
    expect(timersFor(build(townshipStart()), NETWORK, t(5)).some((x) => x.rule === 'door_to_needle')).toBe(
      true,
    )
  })

  it('a STEMI read with no strategy yet: still from the door, and missed past 30 min without a bolus', () => {
    const events = [...townshipStart(), ev('ecg_acquired', 3), read(8, 'stemi')]
    expect(d2n(events, t(10))).toMatchObject({ status: 'pending', startAt: t(0) })
    expect(d2n(events, t(31))?.status).toBe('missed')
  })

  it('the checklist and the bolus do not move the start: met at 25 min from the door', () => {
    const events = [
      ...townshipStart(),
      read(8, 'stemi'),
      ev('strategy', 10, { strategy: 'pharmacoinvasive' }, { by: 'dr.chen' }),
      ev('lysis_bolus', 25, { drug: 'tenecteplase', doseMg: 35, doseFraction: 'full' }),
    ]
    expect(d2n(events, t(26))).toMatchObject({ status: 'met', startAt: t(0), metAt: t(25) })
  })

  it.each([
    { name: 'read as NSTEMI', extra: [read(8, 'nstemi')] },
    { name: 'primary PCI chosen', extra: [read(8, 'stemi'), ev('strategy', 9, { strategy: 'primary_pci' })] },
    { name: 'conservative', extra: [read(8, 'stemi'), ev('strategy', 9, { strategy: 'conservative' })] },
    {
      name: 'transfer decided without lysis',
      extra: [ev('transfer_decided', 9, { toFacilityId: 'county' })],
    },
    {
      name: 'departed without lysis',
      extra: [ev('departed', 9, { facilityId: 'lantian', toFacilityId: 'county' })],
    },
    {
      name: 'lysis declined',
      extra: [
        read(8, 'stemi'),
        ev('lysis_decision', 9, { decision: 'declined', reason: 'x' }, { by: 'dr.chen' }),
      ],
    },
  ])('$name: the lysis path is no longer possible, no door-to-needle clock', ({ extra }) => {
    expect(d2n([...townshipStart(), ...extra], t(600))).toBeUndefined()
  })

  it('a village start: no clock at the village; from the township door once the patient arrives', () => {
    const village: CaseInfo = { ...INFO, facilityId: 'v1' }
    const atVillage = [ev('first_medical_contact', 0, { facilityId: 'v1', arrivalMode: 'walk_in' })]
    expect(d2n(atVillage, t(5), village)).toBeUndefined()
    const events = [
      ...atVillage,
      ev('departed', 5, { facilityId: 'v1', toFacilityId: 'lantian' }),
      ev('arrived', 15, { facilityId: 'lantian' }),
    ]
    expect(d2n(events, t(16), village)).toMatchObject({ status: 'pending', startAt: t(15) })
  })

  it('a county walk-in (a PCI center): no door-to-needle clock, primary PCI is the path', () => {
    const county: CaseInfo = { ...INFO, facilityId: 'county' }
    const events = [
      ev('first_medical_contact', 0, { facilityId: 'county', arrivalMode: 'walk_in' }),
      ev('arrived', 0, { facilityId: 'county' }),
      read(5, 'stemi'),
    ]
    expect(d2n(events, t(6), county)).toBeUndefined()
  })
})
