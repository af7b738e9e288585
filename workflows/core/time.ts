/**
 * Time in the clinical core. Instants are epoch milliseconds handed in by the caller
 * (house style rule 4: time is an argument); durations are milliseconds built with
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

/** A Duration expressed in minutes, rounded to 0.1 min (the precision of SPEC §5 metrics). */
export const toMinutes = (d: Duration): number => Math.round(d / 6_000) / 10

/**
 * Parse an ISO 8601 timestamp that carries an explicit offset (`Z` or `±hh:mm`).
 * Returns null for anything else: a local time without offset is ambiguous across
 * the server and a tablet in a township, so it is never guessed.
 */
export function parseInstant(iso: string): Instant | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(iso)) return null
  const t = Date.parse(iso)
  return Number.isFinite(t) ? t : null
}
