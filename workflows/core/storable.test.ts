import { describe, expect, it } from 'vitest'
import { findUnstorable } from './storable.ts'

describe('findUnstorable', () => {
  it.each([
    [{ a: 'ok', b: ['fine', 1, null, true] }, null],
    [{ patient: { name: 'a\u0000b' } }, { field: 'patient.name', problem: 'nul' }],
    [{ text: 'x\uD800' }, { field: 'text', problem: 'surrogate' }],
    [{ text: '\uDC00x' }, { field: 'text', problem: 'surrogate' }],
    [{ text: '心 😀 ok' }, null],
    [{ list: ['a', 'b\u0000'] }, { field: 'list.1', problem: 'nul' }],
    [{ ['k\u0000']: 1 }, { field: 'k?', problem: 'nul' }],
    ['a\u0000', { field: 'body', problem: 'nul' }],
  ])('%j → %j', (value, expected) => {
    expect(findUnstorable(value)).toEqual(expected)
  })

  it('refuses nesting deeper than the limit without recursing', () => {
    let deep: unknown = 'leaf'
    for (let i = 0; i < 100_000; i++) deep = { x: deep }
    expect(findUnstorable({ changes: deep })).toMatchObject({ problem: 'depth' })
    let ok: unknown = 'leaf'
    for (let i = 0; i < 10; i++) ok = [ok]
    expect(findUnstorable(ok)).toBeNull()
  })
})
