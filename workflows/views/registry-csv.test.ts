import { describe, expect, it } from 'vitest'
import { csvField, exportFileName, neutraliseFormula } from './registry-csv.ts'

describe('CSV export cells', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","x")', `"'=HYPERLINK(""http://evil.example"",""x"")"`],
    ['+cmd|calc', "'+cmd|calc"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
    ['\r=1', `"'\r=1"`],
    ['阿司匹林 300mg', '阿司匹林 300mg'],
    ['a,b', '"a,b"'],
  ])('%j → %j (formulas stay text)', (raw, cell) => {
    expect(csvField(raw)).toBe(cell)
  })

  it('keeps plain numbers, negative ones included, as numbers', () => {
    for (const n of ['-5', '+3', '12.5', '-0.25']) expect(neutraliseFormula(n)).toBe(n)
  })
})

describe('registry export file name', () => {
  it('names the period by its first and last day in the network time zone', () => {
    // January–December 2026 in China: [2026-01-01 00:00 +08:00, 2027-01-01 00:00 +08:00).
    const from = new Date('2026-01-01T00:00:00+08:00')
    const to = new Date('2027-01-01T00:00:00+08:00')
    expect(exportFileName(from, to, 'Asia/Shanghai')).toBe('xinlian-cases-2026-01-01-2026-12-31.csv')
    // The same instants read in UTC would straddle the year: the zone matters.
    expect(exportFileName(from, to, 'UTC')).toBe('xinlian-cases-2025-12-31-2026-12-31.csv')
  })
  it('a one-day period names that day twice', () => {
    const from = new Date('2026-03-08T00:00:00+08:00')
    const to = new Date('2026-03-09T00:00:00+08:00')
    expect(exportFileName(from, to, 'Asia/Shanghai')).toBe('xinlian-cases-2026-03-08-2026-03-08.csv')
  })
})
