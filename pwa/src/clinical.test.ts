import { describe, expect, it } from 'vitest'
import { clock, deadlineTone, isoLocal, suggestDose } from './clinical.ts'

describe('suggestDose (docs/clinical-rules.md)', () => {
  it.each([
    [59.9, 50, 30, 'full'],
    [60, 50, 35, 'full'],
    [70, 58, 40, 'full'],
    [85, 60, 45, 'full'],
    [90, 60, 50, 'full'],
    [72, 75, 20, 'half'],
  ])('tenecteplase %s kg, %s y → %s mg %s', (kg, age, mg, fraction) => {
    expect(suggestDose('tenecteplase', kg, age)).toEqual({
      drug: 'tenecteplase',
      doseMg: mg,
      doseFraction: fraction,
    })
  })
  it('never guesses a weight', () => expect(suggestDose('tenecteplase', null, 60)).toBeNull())
  it('rhTNK-tPA is a 16 mg bolus', () => expect(suggestDose('rhTNK-tPA', null, 80)?.doseMg).toBe(16))
})

describe('deadline tone', () => {
  const d = { status: 'pending', warnAt: '2022-11-26T05:16:00Z', dueAt: '2022-11-26T05:19:00Z' }
  it.each([
    ['2022-11-26T05:10:00Z', 'green'],
    ['2022-11-26T05:16:00Z', 'amber'],
    ['2022-11-26T05:19:00Z', 'red'],
  ])('%s → %s', (now, tone) => expect(deadlineTone(d, Date.parse(now))).toBe(tone))
  it('met is done', () => expect(deadlineTone({ ...d, status: 'met' }, 0)).toBe('done'))
  it('amber only from the warning point: none (alert at once) stays green until due', () =>
    expect(deadlineTone({ ...d, warnAt: null }, Date.parse('2022-11-26T05:10:00Z'))).toBe('green'))
})

describe('time formatting', () => {
  it('isoLocal carries an offset and round-trips', () => {
    const d = new Date('2022-11-26T05:09:00Z')
    const s = isoLocal(d)
    expect(s).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/)
    expect(Date.parse(s)).toBe(d.getTime())
  })
  it('clock', () => {
    expect(clock(754_000)).toBe('12:34')
    expect(clock(3_723_000)).toBe('1:02:03')
  })
})
