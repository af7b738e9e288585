import { describe, expect, it } from 'vitest'
import type { NetworkInfo } from './network.ts'
import { median, whatIf, type WhatIfCase } from './what-if.ts'

const NET: NetworkInfo = {
  id: 'n',
  expectedDoorToWireMinutes: 60,
  facilities: [
    { id: 'county', name: '县医院', level: 'county', canLyse: true, hasCathLab: true, lysisDrugs: [] },
    {
      id: 'near',
      name: '近乡',
      level: 'township',
      canLyse: true,
      hasCathLab: false,
      lysisDrugs: ['tenecteplase'],
    },
    {
      id: 'far',
      name: '远乡',
      level: 'township',
      canLyse: true,
      hasCathLab: false,
      lysisDrugs: ['tenecteplase'],
    },
    {
      id: 'slow',
      name: '慢乡',
      level: 'township',
      canLyse: true,
      hasCathLab: false,
      lysisDrugs: ['tenecteplase'],
    },
    { id: 'village', name: '村', level: 'village', canLyse: false, hasCathLab: false, lysisDrugs: [] },
  ],
  travel: [
    { from: 'near', to: 'county', minutes: 25 },
    { from: 'far', to: 'county', minutes: 78 },
    { from: 'slow', to: 'county', minutes: 40 },
  ],
}
const c = (
  facilityId: string,
  dxOut: number | null,
  d2n: number | null = null,
  dido: number | null = null,
): WhatIfCase => ({
  facilityId,
  diagnosisToDoorOut: dxOut,
  doorToNeedle: d2n,
  doorInDoorOut: dido,
})

describe('median', () => {
  it.each([
    [[], null],
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
  ])('%j → %s', (xs, m) => expect(median(xs)).toBe(m))
})

describe('whatIf', () => {
  it('reports only lysis-capable facilities without a cath lab', () => {
    expect(whatIf(NET, []).map((f) => f.facilityId)).toEqual(['near', 'far', 'slow'])
  })

  it('transfer first when diagnosis-to-wire stays within 120 min (exactly 120 included)', () => {
    // 35 + 25 + 60 = 120
    const [near] = whatIf(NET, [c('near', 30), c('near', 35), c('near', 40)])
    expect(near).toMatchObject({
      expectedDiagnosisToWire: 120,
      recommendation: 'transfer_first',
      shareOver120: 0.33,
    })
  })

  it('lysis first when the road alone makes 120 impossible', () => {
    const [, far] = whatIf(NET, [c('far', 20, 26, 41), c('far', 30, 30, 45)])
    // 25 + 78 + 60 = 163
    expect(far).toMatchObject({
      stemiCases: 2,
      medianDoorToNeedle: 28,
      medianDido: 43,
      travelToPciMinutes: 78,
      expectedDiagnosisToWire: 163,
      shareOver120: 1,
      recommendation: 'lysis_first',
    })
  })

  it('improve DIDO first when only a slow door-out stands in the way', () => {
    // median 45 + 40 + 60 = 145 > 120; at the 30-min target: 30 + 40 + 60 = 130 > 120 → still lysis
    expect(whatIf(NET, [c('slow', 45)])[2]!.recommendation).toBe('lysis_first')
    // with a faster county (door-to-wire 45): 45 + 40 + 45 = 130 > 120, at target 30 + 40 + 45 = 115
    const [, , slow] = whatIf(NET, [c('slow', 45)], { doorToWire: 45 })
    expect(slow).toMatchObject({ expectedDiagnosisToWire: 130, recommendation: 'improve_dido' })
    expect(slow!.reasons.map((r) => r.key)).toEqual(['over_120', 'dido_over_target'])
  })

  it('a shorter road time changes the answer', () => {
    const cases = [c('far', 20), c('far', 30)]
    expect(whatIf(NET, cases, { travel: { far: 30 } })[1]).toMatchObject({
      travelToPciMinutes: 30,
      expectedDiagnosisToWire: 115,
      recommendation: 'transfer_first',
    })
  })

  it('with no cases assumes the DIDO target and says so', () => {
    const [near] = whatIf(NET, [])
    expect(near).toMatchObject({ stemiCases: 0, expectedDiagnosisToWire: 115, shareOver120: null })
    expect(near!.reasons.map((r) => r.key)).toEqual(['within_120', 'no_cases'])
  })
})
