import { describe, expect, it } from 'vitest'
import { parseInstant } from './time.ts'

describe('parseInstant', () => {
  it.each([
    ['2026-02-28T13:09:00+08:00', Date.UTC(2026, 1, 28, 5, 9)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2022-11-26T13:09+08:00', Date.UTC(2022, 10, 26, 5, 9)],
  ])('%s is a real instant', (iso, t) => {
    expect(parseInstant(iso)).toBe(t)
  })

  it.each([
    '2026-02-30T10:00:00+08:00', // not rolled over to 2 March
    '2025-02-29T10:00:00Z', // not a leap year
    '2026-04-31T10:00:00Z',
    '2026-13-01T10:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T10:60:00Z',
    '2026-01-01T10:00:00+15:00',
    '0000-01-01T00:00:00Z', // PostgreSQL has no year 0
    '1900-01-01T00:00:00+08:00', // outside the clinical window
    '2100-01-01T00:00:00Z',
    '2026-01-01T10:00:00', // no offset
  ])('%s is refused', (iso) => {
    expect(parseInstant(iso)).toBeNull()
  })
})
