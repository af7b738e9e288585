import { expect, it } from 'vitest'
import { LoginThrottle } from './login-throttle.ts'

it('blocks after the limit within the window, per key, and forgets after success or the window', () => {
  const t = new LoginThrottle(3, 60_000)
  for (let i = 0; i < 3; i++) t.fail('ip|dr.chen', 1000 + i)
  expect(t.retryAfter('ip|dr.chen', 2000)).toBe(59)
  expect(t.retryAfter('other-ip|dr.chen', 2000)).toBe(0)
  expect(t.retryAfter('ip|dr.chen', 61_001)).toBe(0)
  t.fail('ip|x', 0)
  t.succeed('ip|x')
  expect(t.retryAfter('ip|x', 1)).toBe(0)
})
