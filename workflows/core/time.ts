/**
 * Time in the clinical core. Instants are epoch milliseconds handed in by the caller
 * (time is an argument); durations are milliseconds built with
 * `minutes()`/`hours()` so that every threshold carries its unit at the call site.
 */

/** A point in time: epoch milliseconds. */
export type Instant = number

/** A length of time in milliseconds. */
export type Duration = number

/** `n` seconds as a Duration. */
export const seconds = (n: number): Duration => n * 1_000

/** `n` minutes as a Duration. */
export const minutes = (n: number): Duration => n * 60_000

/** `n` hours as a Duration. */
export const hours = (n: number): Duration => n * 3_600_000

/** A Duration expressed in minutes, rounded to 0.1 min (the precision of the metrics in docs/qa-api.md). */
export const toMinutes = (d: Duration): number => Math.round(d / 6_000) / 10

/**
 * Parse an ISO 8601 timestamp that carries an explicit offset (`Z` or `±hh:mm`).
 * Returns null for anything else: a local time without offset is ambiguous across
 * the server and a tablet in a township, so it is never guessed.
 */
export function parseInstant(iso: string): Instant | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-](\d{2}):(\d{2}))$/.exec(
    iso,
  )
  if (!m) return null
  const [y, mo, d, h, mi, s, oh, om] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x)))
  // A real calendar date and clock time: `2026-02-30` is refused, not rolled over to 2 March.
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > daysInMonth(y!, mo!)) return null
  if (h! > 23 || mi! > 59 || s! > 59 || oh! > 14 || om! > 59) return null
  const t = Date.parse(iso)
  // Within the clinical window: no year 0000 or 1900 typo reaches the database.
  if (!Number.isFinite(t) || t < EARLIEST_INSTANT || t >= LATEST_INSTANT) return null
  return t
}

/** The clinical window of any recorded time (UTC): 2000-01-01 ≤ t < 2100-01-01. Later bounds use now. */
export const EARLIEST_INSTANT: Instant = 946_684_800_000
export const LATEST_INSTANT: Instant = 4_102_444_800_000

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return [4, 6, 9, 11].includes(month) ? 30 : 31
}
