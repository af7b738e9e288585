import { describe, expect, it } from 'vitest'
import { planImport } from './admin-import.ts'
import { facilityProblems, scopeProblems, type FacilityInput } from './admin-rules.ts'

const township: FacilityInput = {
  name: '蓝田乡卫生院',
  nameEn: null,
  level: 'township',
  address: null,
  hasCathLab: false,
  lysisDrugs: ['tenecteplase'],
  lysisRegimens: {},
}
const codes = (f: FacilityInput, canLyse?: boolean, touched = true) =>
  facilityProblems(f, canLyse, touched).map((p) => [p.code, p.field])

describe('facilityProblems', () => {
  it('a township with a drug on hand is fine', () => expect(codes(township)).toEqual([]))
  it('only the county has a cath lab; a village gives no lysis', () => {
    expect(codes({ ...township, hasCathLab: true })).toEqual([['cath_lab_not_county', 'hasCathLab']])
    expect(codes({ ...township, level: 'village' })).toEqual([['village_no_lysis', 'lysisDrugs']])
  })
  it('a township without drugs must say canLyse: false; false with drugs is a contradiction', () => {
    expect(codes({ ...township, lysisDrugs: [] })).toEqual([['lysis_without_drug', 'lysisDrugs']])
    expect(codes({ ...township, lysisDrugs: [] }, false)).toEqual([])
    expect(codes(township, false)).toEqual([['can_lyse_conflict', 'canLyse']])
  })
  it('a regimen for every drug the core does not dose, and only for drugs on hand', () => {
    expect(codes({ ...township, lysisDrugs: ['alteplase'] })).toEqual([
      ['regimen_required', 'lysisRegimens.alteplase'],
    ])
    expect(codes({ ...township, lysisDrugs: ['alteplase'] }, undefined, false)).toEqual([])
    expect(codes({ ...township, lysisRegimens: { reteplase: '2 × 10 U' } })).toEqual([
      ['regimen_without_drug', 'lysisRegimens.reteplase'],
    ])
  })
})

describe('scopeProblems', () => {
  it('facilities must be the network’s own; scoped roles need one', () => {
    const own = new Set(['f1'])
    expect(scopeProblems(['village_doctor'], ['f1'], own)).toEqual([])
    expect(scopeProblems(['village_doctor'], [], own).map((p) => p.code)).toEqual(['scope_required'])
    expect(scopeProblems(['qa'], [], own)).toEqual([])
    expect(scopeProblems(['qa'], ['f1', 'x'], own).map((p) => p.field)).toEqual(['facilityIds.1'])
  })
})

describe('planImport', () => {
  const existing = {
    facilities: new Map([['县医院', { id: 'county-id', level: 'county' }]]),
    countyId: 'county-id',
    usernames: new Set(['taken']),
  }
  const row = (line: number, values: Record<string, string>) => ({ line, values })

  it('accepts a township with its drug and its time to the county, and its physician', () => {
    const plan = planImport(
      {
        facilities: [row(2, { key: 'lt', name: '蓝田', level: '乡', lysis_drugs: 'tenecteplase' })],
        travel: [row(2, { from: 'lt', to: '县医院', minutes: '40' })],
        users: [
          row(2, {
            username: 'dr.lan',
            display_name: '兰医生',
            roles: 'township_physician',
            facilities: 'lt',
          }),
        ],
      },
      existing,
    )
    expect(plan.rows.map((r) => [r.file, r.action, r.errors])).toEqual([
      ['facilities', 'create', []],
      ['travel', 'create', []],
      ['users', 'create', []],
    ])
    expect(plan.travel).toEqual([{ from: 'lt', to: '县医院', minutes: 40, minutesBack: 40, oneWay: false }])
  })

  it('rejects a facility with no time to the county, a taken username and an unknown role, naming the column', () => {
    const plan = planImport(
      {
        facilities: [row(2, { key: 'lt', name: '蓝田', level: 'township', lysis_drugs: 'tenecteplase' })],
        users: [row(2, { username: 'taken', display_name: 'x', roles: 'surgeon' })],
      },
      existing,
    )
    const [f, u] = plan.rows
    expect(f!.errors).toEqual([expect.stringMatching(/^travel: no travel time from "lt"/)])
    expect(u!.errors).toEqual([
      expect.stringMatching(/^username: "taken" is taken/),
      expect.stringMatching(/^roles: "surgeon"/),
    ])
  })

  it('reports a facility rule in English with its field', () => {
    const plan = planImport(
      { facilities: [row(2, { key: 'v', name: '村', level: 'village', lysis_drugs: 'alteplase' })] },
      existing,
    )
    expect(plan.rows[0]!.errors[0]).toMatch(/^lysisDrugs: A village rescue point does not give thrombolysis/)
  })
})
