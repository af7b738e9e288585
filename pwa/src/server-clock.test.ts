import { describe, expect, it } from 'vitest'
import { learnServerTime, serverNow } from './server-clock.ts'

describe('server clock', () => {
  it('corrects a device clock that is minutes off, ignores latency-sized offsets', () => {
    const now = Date.now()
    learnServerTime(new Date(now + 180_000).toISOString(), now - 100, now + 100)
    expect(Math.round((serverNow() - Date.now()) / 1000)).toBe(180)
    learnServerTime(new Date(now + 2_000).toISOString(), now, now)
    expect(Math.abs(serverNow() - Date.now())).toBeLessThan(50)
  })
})
