import { describe, expect, it } from 'vitest'
import {
  ABSOLUTE_CONTRAINDICATIONS,
  CHECKLIST_KEYS,
  RELATIVE_CONTRAINDICATIONS,
  screenChecklist,
} from './checklist.ts'
import { recommendedDose, tenecteplaseDose } from './dosing.ts'
import { NO_ANSWERS } from './test-support.ts'

describe('screenChecklist', () => {
  it('has the exact keys of docs/clinical-rules.md, 7 absolute and 10 relative, each labelled zh/en', () => {
    expect(ABSOLUTE_CONTRAINDICATIONS).toHaveLength(7)
    expect(RELATIVE_CONTRAINDICATIONS).toHaveLength(10)
    expect([...CHECKLIST_KEYS].sort()).toEqual(Object.keys(NO_ANSWERS).sort())
    for (const c of [...ABSOLUTE_CONTRAINDICATIONS, ...RELATIVE_CONTRAINDICATIONS])
      expect(c.zh && c.en).toBeTruthy()
  })

  it('all no → suitable', () => {
    expect(screenChecklist(NO_ANSWERS)).toEqual({ result: 'suitable', absolute: [], relative: [] })
  })

  it.each(ABSOLUTE_CONTRAINDICATIONS.map((c) => c.key))('absolute %s → unsuitable', (key) => {
    expect(screenChecklist({ ...NO_ANSWERS, [key]: true })).toEqual({
      result: 'unsuitable',
      absolute: [key],
      relative: [],
    })
  })

  it.each(RELATIVE_CONTRAINDICATIONS.map((c) => c.key))('relative %s → still suitable, listed', (key) => {
    expect(screenChecklist({ ...NO_ANSWERS, [key]: true })).toEqual({
      result: 'suitable',
      absolute: [],
      relative: [key],
    })
  })
})

describe('tenecteplaseDose', () => {
  it.each([
    [45, 30],
    [59.9, 30],
    [60, 35],
    [69.9, 35],
    [70, 40],
    [79, 40],
    [80, 45],
    [89.9, 45],
    [90, 50],
    [130, 50],
  ])('%s kg → %s mg', (kg, mg) => {
    expect(tenecteplaseDose(kg, 60)).toEqual({
      drug: 'tenecteplase',
      doseMg: mg,
      fullDoseMg: mg,
      doseFraction: 'full',
    })
  })

  it('half dose from age 75 (STREAM-2), not at 74', () => {
    expect(tenecteplaseDose(72, 74)).toMatchObject({ doseMg: 40, doseFraction: 'full' })
    expect(tenecteplaseDose(72, 75)).toEqual({
      drug: 'tenecteplase',
      doseMg: 20,
      fullDoseMg: 40,
      doseFraction: 'half',
    })
    expect(tenecteplaseDose(65, 80)).toMatchObject({ doseMg: 17.5, fullDoseMg: 35 })
  })

  it('recommendedDose: tenecteplase by weight, rhTNK-tPA 16 mg, others configured per facility', () => {
    expect(recommendedDose('tenecteplase', 85, 60)).toMatchObject({ doseMg: 45 })
    expect(recommendedDose('tenecteplase', null, 60)).toBeNull()
    expect(recommendedDose('rhTNK-tPA', null, 80)).toEqual({
      drug: 'rhTNK-tPA',
      doseMg: 16,
      fullDoseMg: 16,
      doseFraction: 'full',
    })
    expect(recommendedDose('alteplase', 70, 60)).toBeNull()
  })
})
