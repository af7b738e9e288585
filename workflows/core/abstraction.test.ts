import { expect, it } from 'vitest'
import { agrees, differenceMinutes, disagreementRate } from './abstraction.ts'

const at = (min: number) => new Date(Date.UTC(2026, 0, 1, 8, 0) + min * 60_000)

it('agrees within 2 minutes either way, and when both are absent', () => {
  expect(agrees(at(0), at(2))).toBe(true)
  expect(agrees(at(0), at(-2))).toBe(true)
  expect(agrees(at(0), at(2.1))).toBe(false)
  expect(agrees(null, null)).toBe(true)
  expect(agrees(at(0), null)).toBe(false)
  expect(agrees(null, at(0))).toBe(false)
})

it('difference and rate', () => {
  expect(differenceMinutes(at(5), at(0))).toBe(5)
  expect(differenceMinutes(at(0), at(1.3))).toBe(-1.3)
  expect(differenceMinutes(null, at(0))).toBeNull()
  expect(disagreementRate(1, 3)).toBe(0.333)
  expect(disagreementRate(0, 0)).toBeNull()
})
