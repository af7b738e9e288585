/**
 * The network's checklist choice changes the questions and the screening
 * (docs/clinical-rules.md, "Checklists").
 */
import { describe, expect, it } from 'vitest'
import { CHECKLIST_KEYS, checklistKeys, CHECKLISTS, screenChecklist } from './checklist.ts'
import { step } from './step.ts'
import { ACTORS, build, ev, NETWORK, NO_ANSWERS, townshipStart } from './test-support.ts'

const ESC = { ...NETWORK, checklist: 'esc' as const }
const allNo = (variant: 'cn' | 'esc') => Object.fromEntries(checklistKeys(variant).map((k) => [k, false]))
const checklist = (answers: Record<string, boolean>) =>
  ev('lysis_checklist', 9, { answers, weightKg: 65, drug: 'tenecteplase', doseMg: 35, doseFraction: 'full' })

describe('checklist variants', () => {
  it('the Chinese list is the default and keeps the API keys', () => {
    expect(checklistKeys('cn')).toEqual([...CHECKLIST_KEYS])
    expect(checklistKeys(undefined)).toEqual([...CHECKLIST_KEYS])
  })

  it('the two lists ask different questions with their own intervals', () => {
    const cn = checklistKeys('cn')
    const esc = checklistKeys('esc')
    expect(cn).toContain('ischaemic_stroke_or_tia_3m')
    expect(esc).not.toContain('ischaemic_stroke_or_tia_3m')
    expect(esc).toEqual(
      expect.arrayContaining(['ischaemic_stroke_6m', 'gi_bleeding_1m', 'noncompressible_puncture_24h']),
    )
    expect(CHECKLISTS.esc.absolute.find((i) => i.key === 'ischaemic_stroke_6m')?.en).toMatch(/6 months/)
    // Both lists carry aortic dissection as absolute.
    for (const v of ['cn', 'esc'] as const)
      expect(CHECKLISTS[v].absolute.map((i) => i.key)).toContain('aortic_dissection')
  })

  it.each([
    // A TIA 4 months ago: outside the Chinese 3-month item; a relative item of the ESC list.
    { variant: 'esc' as const, yes: 'tia_6m', result: 'suitable', relative: ['tia_6m'] },
    // GI bleeding 3 weeks ago is an absolute item of the ESC list only.
    { variant: 'esc' as const, yes: 'gi_bleeding_1m', result: 'unsuitable', relative: [] },
    { variant: 'cn' as const, yes: 'gi_bleeding_1m', result: 'suitable', relative: [] },
    { variant: 'cn' as const, yes: 'ischaemic_stroke_or_tia_3m', result: 'unsuitable', relative: [] },
    { variant: 'esc' as const, yes: 'ischaemic_stroke_or_tia_3m', result: 'suitable', relative: [] },
  ])('$variant list, $yes answered yes → $result', ({ variant, yes, result, relative }) => {
    const s = screenChecklist({ ...allNo(variant), [yes]: true }, variant)
    expect(s.result).toBe(result)
    expect(s.relative).toEqual(relative)
  })

  it('the guard asks for every item of the network list', () => {
    const before = build([...townshipStart()], undefined, ESC)
    // A Chinese-list checklist on an ESC network misses the ESC items.
    const r = step(before, checklist(NO_ANSWERS), ACTORS.township, ESC, checklist(NO_ANSWERS).at)
    expect(r).toMatchObject({ ok: false, problem: { status: 422, code: 'checklist_incomplete' } })
    if (!r.ok) expect(r.problem.field).toMatch(/^answers\./)
    const e = checklist(allNo('esc'))
    expect(step(before, e, ACTORS.township, ESC, e.at).ok).toBe(true)
    const missing = { ...NO_ANSWERS } as Record<string, boolean>
    delete missing.pregnancy
    expect(step(build(townshipStart()), checklist(missing), ACTORS.township, NETWORK, e.at)).toMatchObject({
      ok: false,
      problem: { field: 'answers.pregnancy' },
    })
  })

  it('the fold screens against the network list', () => {
    const events = [...townshipStart(), checklist({ ...allNo('esc'), gi_bleeding_1m: true })]
    expect(build(events, undefined, ESC).points.checklist).toMatchObject({
      result: 'unsuitable',
      absolute: ['gi_bleeding_1m'],
    })
  })
})
