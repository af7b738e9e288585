/** Co-therapy suggestions at their boundaries (docs/clinical-rules.md, "Co-therapy"). */
import { describe, expect, it } from 'vitest'
import { cotherapyFor } from './cotherapy.ts'

const of = (age: number, kg: number | null, egfr: number | null = null) =>
  Object.fromEntries(cotherapyFor(age, kg, egfr).map((s) => [s.drug, s]))

describe('cotherapyFor', () => {
  it.each([
    { age: 74, clopidogrel: 300 },
    { age: 75, clopidogrel: 300 },
    { age: 76, clopidogrel: 75 },
  ])('clopidogrel at $age → $clopidogrel mg', ({ age, clopidogrel }) => {
    expect(of(age, 70).clopidogrel?.doseMg).toBe(clopidogrel)
    expect(of(age, 70).aspirin?.doseMg).toBe(300)
  })

  it.each([
    { age: 74, kg: 70, egfr: null, bolus: 30, sc: 70, every: 12 },
    { age: 74, kg: 120, egfr: null, bolus: 30, sc: 100, every: 12 },
    { age: 75, kg: 70, egfr: null, bolus: null, sc: 52.5, every: 12 },
    { age: 75, kg: 120, egfr: null, bolus: null, sc: 75, every: 12 },
    { age: 60, kg: 70, egfr: 29, bolus: 30, sc: 70, every: 24 },
    { age: 60, kg: 70, egfr: 30, bolus: 30, sc: 70, every: 12 },
    { age: 80, kg: 70, egfr: 25, bolus: null, sc: 70, every: 24 },
    { age: 60, kg: null, egfr: null, bolus: 30, sc: null, every: 12 },
  ])('enoxaparin at $age y, $kg kg, eGFR $egfr', ({ age, kg, egfr, bolus, sc, every }) => {
    const e = of(age, kg, egfr).enoxaparin!
    expect(e.doseMg).toBe(bolus)
    expect(e.then).toMatchObject({ doseMg: sc, everyHours: every })
  })

  it.each([
    { kg: 60, bolus: 3600, rate: 720 },
    { kg: 66.7, bolus: 4000, rate: 800 },
    { kg: 90, bolus: 4000, rate: 1000 },
    { kg: null, bolus: null, rate: null },
  ])('unfractionated heparin at $kg kg → $bolus U then $rate U/h', ({ kg, bolus, rate }) => {
    const h = of(60, kg).unfractionated_heparin!
    expect(h.units).toBe(bolus)
    expect(h.then?.unitsPerHour).toBe(rate)
  })
})
