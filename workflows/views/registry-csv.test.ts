import { describe, expect, it } from 'vitest'
import { csvField, neutraliseFormula } from './registry-csv.ts'

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
