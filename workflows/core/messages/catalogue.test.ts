import { describe, expect, it } from 'vitest'
import { en } from './en.ts'
import { format } from './index.ts'
import { zhCN } from './zh-CN.ts'

describe('i18n catalogues', () => {
  it('have the same keys', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zhCN).sort())
  })
  it('use the same placeholders per key', () => {
    const ph = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
    for (const k of Object.keys(zhCN) as (keyof typeof zhCN)[])
      expect([k, ph(en[k])]).toEqual([k, ph(zhCN[k])])
  })
  it('has no empty message', () => {
    for (const cat of [zhCN, en]) for (const v of Object.values(cat)) expect(v.trim()).not.toBe('')
  })
  it('fills placeholders', () => {
    expect(format('剩余 {t}', { t: '3:05' })).toBe('剩余 3:05')
    expect(format('{a} {b}', { a: 1 })).toBe('1 {b}')
  })
})
