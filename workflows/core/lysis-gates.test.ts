/**
 * The safety gates of a bolus and the advice, table-driven at their boundaries
 * (docs/clinical-rules.md, "Working diagnosis" and "Safety gates").
 */
import { describe, expect, it } from 'vitest'
import type { CaseEvent } from './case-model.ts'
import { step } from './step.ts'
import { adviseStrategy } from './strategy.ts'
import { ACTORS, build, ev, NETWORK, t, townshipStart } from './test-support.ts'

const bolus = (m = 15, data: Record<string, unknown> = {}) =>
  ev('lysis_bolus', m, { drug: 'tenecteplase', doseMg: 35, doseFraction: 'full', ...data })
const override = { override: { reason: '主任电话同意' } }
const read = (m: number, diagnosis: string) => ev('diagnosis', m, { diagnosis }, { by: 'dr.chen' })
const approved = () => ev('lysis_decision', 10, { decision: 'approved' }, { by: 'dr.chen' })

const gate = (before: CaseEvent[], e: CaseEvent) => step(build(before), e, ACTORS.township, NETWORK, e.at)

describe('working diagnosis: the bolus gate', () => {
  const CASES: {
    name: string
    reads: [number, string][]
    reason: string | null
    overridable: boolean
  }[] = [
    { name: 'STEMI', reads: [[6, 'stemi']], reason: null, overridable: true },
    { name: 'no read at all', reads: [], reason: 'not_stemi', overridable: true },
    {
      name: 'STEMI revised to pericarditis (other_cardiac)',
      reads: [
        [6, 'stemi'],
        [9, 'other_cardiac'],
      ],
      reason: 'not_stemi',
      overridable: true,
    },
    {
      name: 'STEMI revised to inconclusive',
      reads: [
        [6, 'stemi'],
        [9, 'inconclusive'],
      ],
      reason: 'not_stemi',
      overridable: true,
    },
    {
      name: 'STEMI revised to aortic dissection',
      reads: [
        [6, 'stemi'],
        [9, 'aortic_dissection'],
      ],
      reason: 'aortic_dissection_read',
      overridable: false,
    },
    {
      name: 'aortic dissection, then STEMI re-confirmed',
      reads: [
        [6, 'aortic_dissection'],
        [9, 'stemi'],
      ],
      reason: 'aortic_dissection_earlier_read',
      overridable: true,
    },
    {
      name: 'NSTEMI re-read as STEMI',
      reads: [
        [6, 'nstemi'],
        [9, 'stemi'],
      ],
      reason: null,
      overridable: true,
    },
  ]
  it.each(CASES)('$name → $reason', (c) => {
    const before = [...townshipStart(), ...c.reads.map(([m, d]) => read(m, d)), approved()]
    const r = gate(before, bolus())
    if (c.reason === null) expect(r.ok).toBe(true)
    else expect(r).toMatchObject({ ok: false, status: 409, reason: c.reason })
    const withOverride = gate(before, bolus(15, override))
    expect(withOverride.ok).toBe(c.overridable)
  })

  it('an override is flagged for QA', () => {
    const before = [...townshipStart(), read(6, 'stemi'), read(9, 'other_cardiac'), approved()]
    const e = bolus(15, override)
    const r = gate(before, e)
    if (!r.ok) throw new Error(r.reason)
    expect(r.state.flags).toContainEqual(expect.objectContaining({ code: 'override', eventId: e.id }))
  })

  it('a correction of the read to aortic dissection counts (correction-aware)', () => {
    const stemi = read(6, 'stemi')
    const before = [
      ...townshipStart(),
      stemi,
      approved(),
      ev('correction', 11, { eventId: stemi.id, changes: { diagnosis: 'aortic_dissection' }, reason: 'CT' }),
    ]
    expect(gate(before, bolus(15, override))).toMatchObject({ ok: false, reason: 'aortic_dissection_read' })
  })

  it('a correction must pass the same gates: moving a bolus after a dissection read is refused', () => {
    const b = bolus(8)
    const before = [...townshipStart(), read(6, 'stemi'), approved(), b, read(12, 'aortic_dissection')]
    // Moving the bolus to 13 min puts it after the dissection read.
    const c = ev('correction', 20, {
      eventId: b.id,
      changes: { at: '2022-11-26T13:13:00+08:00' },
      reason: '时间录错',
    })
    expect(gate(before, c)).toMatchObject({ ok: false, reason: 'aortic_dissection_read' })
  })
})

describe('working diagnosis: the advice', () => {
  const adviceAfter = (reads: [number, string][]) => {
    const s = build([...townshipStart(), ...reads.map(([m, d]) => read(m, d))])
    return adviseStrategy(s, NETWORK, t(12))
  }
  it.each([
    { reads: [[6, 'stemi']] as [number, string][], advised: true },
    {
      reads: [
        [6, 'stemi'],
        [9, 'aortic_dissection'],
      ] as [number, string][],
      advised: false,
    },
    {
      reads: [
        [6, 'stemi'],
        [9, 'non_cardiac'],
      ] as [number, string][],
      advised: false,
    },
    {
      reads: [
        [6, 'inconclusive'],
        [9, 'stemi'],
      ] as [number, string][],
      advised: true,
    },
    {
      reads: [
        [6, 'stemi'],
        [9, 'inconclusive'],
      ] as [number, string][],
      advised: false,
    },
  ])('$reads → advice $advised', ({ reads, advised }) => {
    expect(adviceAfter(reads) !== null).toBe(advised)
  })

  it('no advice once the case is closed', () => {
    const s = build([...townshipStart(), read(6, 'stemi'), ev('outcome', 10, { outcome: 'died' })])
    expect(adviseStrategy(s, NETWORK, t(12))).toBeNull()
  })
})
