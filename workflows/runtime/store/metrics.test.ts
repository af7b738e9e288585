import { describe, expect, it } from 'vitest'
import { METRIC_FACILITY, METRICS } from '../../core/index.ts'
import { BIN, FACILITY_COLUMN, splitPeriod } from './metrics.ts'

const china = (d: string) => new Date(`${d}T00:00:00+08:00`)

describe('metrics rollup invariants', () => {
  it('every target bound is a multiple of the bin width (within-target counts come from bins)', () => {
    for (const m of METRICS)
      for (const bound of [m.target?.min, m.target?.max])
        if (bound !== undefined) expect(bound % BIN, `${m.key} ${bound}`).toBe(0)
  })

  it('the accountable facility columns mirror the core', () => {
    for (const m of METRICS)
      expect(FACILITY_COLUMN[m.key]).toBe(
        METRIC_FACILITY[m.key].replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
      )
  })

  it('splits a period into whole China-time months and partial edges', () => {
    expect(splitPeriod(china('2025-01-01'), china('2026-01-01'))).toEqual({
      rollupFrom: china('2025-01-01'),
      rollupTo: china('2026-01-01'),
    })
    expect(splitPeriod(china('2025-01-10'), china('2025-03-20'))).toEqual({
      rollupFrom: china('2025-02-01'),
      rollupTo: china('2025-03-01'),
    })
    expect(splitPeriod(china('2025-01-10'), china('2025-01-20'))).toBeNull()
    expect(splitPeriod(china('2025-01-10'), china('2025-02-20'))).toBeNull()
  })
})
