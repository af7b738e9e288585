import { describe, expect, it } from 'vitest'
import { characterClasses, complexityProblem, DEFAULT_POLICY } from './policy.ts'

describe('password complexity', () => {
  it.each([
    ['abcdefghij', 1],
    ['abcdeFGHIJ', 2],
    ['abcdeFGH12', 3],
    ['abcdeFG1!x', 4],
    ['心联心联心联心联心联', 1],
  ])('%s uses %i classes', (pw, n) => expect(characterClasses(pw)).toBe(n))

  it('needs 10 characters and 3 classes by default', () => {
    expect(complexityProblem('Abcdefgh1', DEFAULT_POLICY)).toEqual({ minLength: 10, minClasses: 3 })
    expect(complexityProblem('abcdefghij1', DEFAULT_POLICY)).not.toBeNull()
    expect(complexityProblem('Abcdefghi1', DEFAULT_POLICY)).toBeNull()
    expect(complexityProblem('abcdefgh', { passwordMinLength: 8, passwordMinClasses: 1 })).toBeNull()
  })
})
