/**
 * One term per concept across the Chinese texts (docs/glossary.md): the catalogue and the
 * core's own titles (rules, metrics) that the timeline and the QA pages show. Each entry names
 * the chosen term and the alternates that must not appear.
 */
import { describe, expect, it } from 'vitest'
import { METRICS } from '../metrics.ts'
import { RULES } from '../rules.ts'
import { render } from './index.ts'
import { zhCN } from './zh-CN.ts'

const GLOSSARY: { concept: string; term: string; not: RegExp }[] = [
  // 进门 (door-in) as in the national chest-pain centre forms (进门-球囊扩张); never 入门.
  { concept: 'door-in', term: '进门', not: /入门/ },
  // An interval ends at the confirmed diagnosis: 确诊至溶栓, 心电图至确诊; never 诊断至….
  { concept: 'diagnosis as an interval end', term: '确诊', not: /诊断至|至诊断/ },
  // A cardiologist who says no to lysis 不同意溶栓; 拒绝 is kept for refused records and rows.
  { concept: 'declining lysis', term: '不同意溶栓', not: /拒绝溶栓|溶栓.{0,3}被?拒绝|已拒绝溶栓/ },
  // Thrombolysis is 溶栓 (溶栓药物, 溶栓筛查); 纤溶 only inside a drug's registered name.
  { concept: 'thrombolysis', term: '溶栓', not: /(?<!组织型)纤溶(?!酶原激活剂)|溶解血栓/ },
  // The cath lab is activated (激活) and then ready (就绪); never 启动 / 就位.
  { concept: 'cath lab activation', term: '激活导管室', not: /启动导管室|导管室启动/ },
  { concept: 'cath lab ready', term: '导管室就绪', not: /就位/ },
  // 首份心电图 (the first ECG of the case); never 首次心电图 / 第一份心电图.
  { concept: 'first ECG', term: '首份心电图', not: /首次心电图|第一份心电图/ },
]

const texts: [string, string][] = [
  ...Object.entries(zhCN),
  ...RULES.map((r): [string, string] => [`RULES.${r.key}`, r.title.zh]),
  ...METRICS.map((m): [string, string] => [`METRICS.${m.key}`, m.title.zh]),
]

describe('glossary: one term per concept in zh-CN', () => {
  it.each(GLOSSARY)('$concept: $term', ({ term, not }) => {
    const offenders = texts.filter(([, text]) => not.test(text)).map(([key, text]) => `${key}: ${text}`)
    expect(offenders).toEqual([])
    expect(texts.some(([, text]) => text.includes(term))).toBe(true)
  })

  it('fails on an alternate term (the check itself works)', () => {
    const door = GLOSSARY.find((g) => g.concept === 'door-in')!
    expect(door.not.test('入门至溶栓')).toBe(true)
    expect(door.not.test('进门至溶栓')).toBe(false)
  })

  it('a missed deadline reads the same in the push and in the banner', () => {
    const rule = render('zh-CN', 'rule.door_to_needle')
    expect(render('zh-CN', 'push.title.deadline_missed', { rule })).toContain(rule)
    expect(render('zh-CN', 'alertT.deadline_missed', { rule })).toContain(rule)
    expect(rule).toContain('进门至溶栓')
  })
})
