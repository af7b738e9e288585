/**
 * One time anchor per test, for back-dated events: every `minutesAgo` of a test counts from the
 * same instant (taken in `beforeEach`), so the gaps between its events are exactly the ones
 * written, however slow the machine is between two calls. Call at a test file's top level.
 */
import { subMinutes } from 'date-fns'
import { beforeEach } from 'vitest'

export function timeAnchor(): {
  /** The instant `m` minutes before the anchor (negative: after it), as ISO text. */
  minutesAgo: (m: number) => string
  /** The anchor, in epoch milliseconds. */
  now: () => number
} {
  let anchor = Date.now()
  beforeEach(() => {
    anchor = Date.now()
  })
  return {
    minutesAgo: (m) => subMinutes(anchor, m).toISOString(),
    now: () => anchor,
  }
}
