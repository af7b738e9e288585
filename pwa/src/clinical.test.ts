import { describe, expect, it } from 'vitest'
import { clock, deadlineTone, isoLocal, provisionalDeadlines, suggestDose } from './clinical.ts'

describe('suggestDose (SPEC §6)', () => {
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
  it('no warning time (alert at once) is amber until due', () =>
    expect(deadlineTone({ ...d, warnAt: null }, Date.parse('2022-11-26T05:10:00Z'))).toBe('amber'))
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

describe('provisional deadlines (case started offline)', () => {
  it('first ECG from FMC, D2N from arrival at a lysing facility', () => {
    const fmc = '2022-11-26T13:09:00+08:00'
    const d = provisionalDeadlines([{ type: 'arrived', at: fmc }], fmc, true)
    expect(d.map((x) => [x.rule, x.dueAt, x.status])).toEqual([
      ['first_ecg', '2022-11-26T05:19:00.000Z', 'pending'],
      ['door_to_needle', '2022-11-26T05:39:00.000Z', 'pending'],
    ])
    const met = provisionalDeadlines([{ type: 'ecg_acquired', at: '2022-11-26T13:14:00+08:00' }], fmc, false)
    expect(met).toHaveLength(1)
    expect(met[0]!.status).toBe('met')
  })
})
