import { TZDate } from '@date-fns/tz'
import { format } from 'date-fns/format'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { dayStart, localDate, localDateTime, monthOf, monthStart, yearBefore } from './calendar.ts'

const utc = (s: string) => Date.parse(s)

describe('calendar (registry months in a time zone)', () => {
  it('remembers months without changing an answer: the same as formatting, instants in any order, several zones', () => {
    const zones = ['Asia/Shanghai', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe']
    // Month edges (± 1 ms around local midnights of the 1st, DST changes included) and anywhere.
    const edge = fc
      .tuple(fc.integer({ min: 2019, max: 2031 }), fc.integer({ min: 0, max: 11 }), fc.constantFrom(...zones))
      .chain(([y, m, tz]) =>
        fc.tuple(
          fc.constant(new TZDate(y, m, 1, tz).getTime()),
          fc.integer({ min: -1, max: 1 }),
          fc.constant(tz),
        ),
      )
      .map(([t, d, tz]) => [t + d, tz] as const)
    const any = fc.tuple(
      fc.integer({ min: Date.UTC(2019, 0), max: Date.UTC(2031, 0) }),
      fc.constantFrom(...zones),
    )
    fc.assert(
      fc.property(fc.array(fc.oneof(edge, any), { minLength: 1, maxLength: 60 }), (xs) => {
        for (const [t, tz] of xs) expect(monthOf(t, tz)).toBe(format(new TZDate(t, tz), 'yyyy-MM-01'))
      }),
      { numRuns: 300 },
    )
  })

  it('puts the last UTC evening of January into February in Shanghai', () => {
    expect(monthOf(utc('2026-01-31T16:00:00Z'))).toBe('2026-02-01')
    expect(monthOf(utc('2026-01-31T15:59:59.999Z'))).toBe('2026-01-01')
    expect(monthOf(utc('2025-12-31T16:00:00Z'))).toBe('2026-01-01')
  })

  it('follows the zone it is given', () => {
    expect(monthOf(utc('2026-01-31T16:00:00Z'), 'UTC')).toBe('2026-01-01')
    // Urumqi keeps UTC+6: 16:00Z is still 22:00 on the 31st.
    expect(monthOf(utc('2026-01-31T16:00:00Z'), 'Asia/Urumqi')).toBe('2026-01-01')
    expect(monthOf(utc('2026-01-31T18:00:00Z'), 'Asia/Urumqi')).toBe('2026-02-01')
  })

  it('starts a month at local midnight of the 1st and adds months across the year', () => {
    expect(monthStart(utc('2026-02-14T03:00:00Z'))).toBe(utc('2026-01-31T16:00:00Z'))
    expect(monthStart(utc('2026-12-20T03:00:00Z'), 'Asia/Shanghai', 1)).toBe(utc('2026-12-31T16:00:00Z'))
    expect(monthStart(utc('2026-01-31T16:00:00Z'), 'Asia/Shanghai', -1)).toBe(utc('2025-12-31T16:00:00Z'))
    // The instant of a month start is its own month start.
    const feb = utc('2026-01-31T16:00:00Z')
    expect(monthStart(feb)).toBe(feb)
  })

  it('handles a zone with daylight saving (a network outside China)', () => {
    // Berlin: the April month starts at 22:00Z (UTC+2), the March one at 23:00Z (UTC+1).
    expect(monthStart(utc('2026-04-15T12:00:00Z'), 'Europe/Berlin')).toBe(utc('2026-03-31T22:00:00Z'))
    expect(monthStart(utc('2026-03-15T12:00:00Z'), 'Europe/Berlin')).toBe(utc('2026-02-28T23:00:00Z'))
  })

  it('reads a local day and refuses one that does not exist', () => {
    expect(dayStart('2026-03-01')).toBe(utc('2026-02-28T16:00:00Z'))
    expect(dayStart('2026-02-30')).toBeNaN()
    expect(dayStart('2026-3-1')).toBeNaN()
  })

  it('goes back a year on the local calendar', () => {
    expect(yearBefore(utc('2026-02-28T16:00:00Z'))).toBe(utc('2025-02-28T16:00:00Z'))
    expect(localDate(yearBefore(dayStart('2028-02-29')))).toBe('2027-02-28')
  })

  it('formats local wall-clock time', () => {
    expect(localDateTime(utc('2026-01-31T16:00:05Z'))).toBe('2026-02-01 00:00:05')
    expect(localDateTime(utc('2026-01-31T16:00:05Z'), 'UTC')).toBe('2026-01-31 16:00:05')
    expect(localDate(utc('2026-01-31T15:59:59Z'))).toBe('2026-01-31')
  })
})
