import { describe, expect, it } from 'vitest'
import { plan } from '../core/index.ts'
import { build, ev, INFO, NETWORK, t, townshipStart } from '../core/test-support.ts'
import { caseListRow } from './case-list.ts'
import type { CaseRow } from './case-row.ts'
import { caseTimeline } from './case-timeline.ts'
import { caseView } from './case-view.ts'
import { deadlineJson, iso } from './time.ts'

const row: CaseRow = {
  ...INFO,
  status: 'active',
  phase: 'assessment',
  createdAt: new Date(t(0)),
  updatedAt: new Date(t(5)),
  facilityIds: ['lantian'],
}

describe('views are pure: state and names in, wire JSON out', () => {
  const state = build([...townshipStart(), ev('ecg_acquired', 5, { facilityId: 'lantian' })])
  const now = t(12)

  it('one iso() and one deadlineJson()', () => {
    expect(iso(null)).toBeNull()
    expect(iso(undefined)).toBeNull()
    expect(iso(t(0))).toBe('2022-11-26T05:00:00.000Z')
    const [d] = plan(state, NETWORK, now)
    expect(deadlineJson(d!)).toEqual({
      rule: d!.rule,
      title: d!.title,
      startAt: iso(d!.startAt),
      dueAt: iso(d!.dueAt),
      warnAt: iso(d!.warnAt),
      status: d!.status,
      metAt: iso(d!.metAt),
    })
  })

  it('the case view takes display names as a Map (no query)', () => {
    const v = caseView(row, state, NETWORK, now, new Map([['lantian', '兰医生']]))
    expect(v.events.map((e) => e.byName)).toEqual(['兰医生', '兰医生', '兰医生'])
    expect(v.serverTime).toBe(iso(now))
    expect(caseView(row, state, NETWORK, now, new Map()).events[0]!.byName).toBeNull()
  })

  it('the list row shows only what is still due, and where the patient is', () => {
    const r = caseListRow(row, state, NETWORK, now)
    expect(r.currentFacilityId).toBe('lantian')
    expect(r.fmcAt).toBe(iso(t(0)))
    expect(r.deadlines.every((d) => d.status !== 'met')).toBe(true)
    expect(r.deadlines.map((d) => d.rule)).not.toContain('first_ecg')
  })

  it('the QA timeline takes names and access rows as data', () => {
    const at = new Date(t(20))
    const tl = caseTimeline(state, NETWORK, now, new Map(), [
      { at, actorId: 'qa1', actorName: '质控', action: 'case.view', device: null },
    ])
    expect(tl.access).toEqual([
      { at: at.toISOString(), actorId: 'qa1', actorName: '质控', action: 'case.view', device: null },
    ])
    expect(tl.events).toHaveLength(3)
  })
})
