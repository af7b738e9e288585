import { describe, expect, it } from 'vitest'
import { exportFileName } from './registry-csv.ts'

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
