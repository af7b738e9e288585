/**
 * The platform report, field by field, for the Anxi case (fixtures/scenarios/anxi.json) and a
 * village → township → county case: golden values written from the fixture's clinical times.
 */
import { describe, expect, it } from 'vitest'
import anxi from '../../fixtures/scenarios/anxi.json' with { type: 'json' }
import type { CaseEvent, CaseInfo } from './case-model.ts'
import {
  cpcReport,
  cpcTime,
  missingRequired,
  referringOf,
  type CpcFacility,
  type CpcReportInput,
} from './cpc-report.ts'
import { parseEventInput } from './event-input.ts'
import { fold } from './fold.ts'
import type { NetworkInfo } from './network.ts'
import { registryRecord } from './registry-record.ts'
import { parseInstant } from './time.ts'

type Fixture = {
  network: NetworkInfo
  case: Omit<CaseInfo, 'patient'> & {
    patient: CaseInfo['patient']
    events: ({ id: string; type: string; at: string; by: string } & Record<string, unknown>)[]
  }
}

function stateOf(s: Fixture, extra: Fixture['case']['events'] = []) {
  const info: CaseInfo = { ...s.case, createdBy: s.case.createdBy }
  const events: CaseEvent[] = [...s.case.events, ...extra].map(({ by, ...body }, i) => {
    const r = parseEventInput(body)
    if (!r.ok) throw new Error(`${body.type}: ${r.field} ${r.message}`)
    return { ...r.value, caseId: s.case.id, recordedAt: r.value.at + i, by }
  })
  return { info, state: fold(info, events, s.network) }
}

const FACILITIES = new Map<string, CpcFacility>([
  ['county', { code: 'FJ-AX-001', name: '安溪县医院' }],
  ['lantian', { code: 'FJ-AX-LT', name: '蓝田乡卫生院' }],
  ['village', { code: 'FJ-AX-V1', name: '蓝田村卫生所' }],
])

function inputOf(s: Fixture, extra: Fixture['case']['events'] = []): CpcReportInput {
  const { info, state } = stateOf(s, extra)
  return {
    record: registryRecord(state, s.network, 0),
    referring: referringOf(state),
    patient: { ...info.patient, recordNumber: 'MZ2022112601' },
    region: { province: '福建省', city: '泉州市', county: '安溪县' },
    hospital: FACILITIES.get('county')!,
    facilities: FACILITIES,
    ecgs: [{ acquiredAt: parseInstant('2022-11-26T13:12:00+08:00'), diagnosedAt: null, jpegBase64: 'AAAA' }],
    registerId: null,
  }
}

describe('cpcTime', () => {
  it('writes China time to the minute, and nothing for a missing point', () => {
    expect(cpcTime(Date.UTC(2022, 10, 26, 5, 9, 59))).toBe('2022-11-26 13:09')
    // 16:00 UTC on 31 January is already 1 February in China
    expect(cpcTime(Date.UTC(2026, 0, 31, 16, 0))).toBe('2026-02-01 00:00')
    expect(cpcTime(null)).toBe('')
  })
})

describe('the Anxi case on the platform', () => {
  const { report, problems } = cpcReport(inputOf(anxi as unknown as Fixture))

  it('maps every section with the platform codes', () => {
    expect(problems).toEqual([])
    expect(missingRequired(report)).toEqual([])
    expect(report.RegisterInfo).toMatchObject({
      REGISTER_ID: null,
      HOSPITAL_CODE: 'FJ-AX-001',
      PROVINCE: '福建省',
      COUNTY: '安溪县',
      MEDICAL_RECORD_NO: 'MZ2022112601',
      GENDER: '1',
      AGE: 58,
      WEIGHT: 65,
    })
    expect(report.FirstAIDInfo).toMatchObject({
      COMING_WAY: '3',
      FMC_TIME: '2022-11-26 13:09',
      FMC_HOSPITAL: '蓝田乡卫生院',
      // 转出医院: the township that sent the patient to the county
      TRANSFER_HOSPITAL_CODE: 'FJ-AX-LT',
      TRANSFER_DOOR_IN_TIME: '2022-11-26 13:09',
      TRANSFER_DECISION_TIME: '2022-11-26 13:36',
      TRANSFER_DOOR_OUT_TIME: '2022-11-26 13:50',
      ARRIVED_HOSPITAL_TIME: '2022-11-26 14:40',
      BYPASS_ED: '1',
      BYPASS_CCU: '1',
    })
    expect(report.TreatmentInfo).toMatchObject({
      FIRST_ECG_TIME: '2022-11-26 13:12',
      IS_REMOTE_TRANSMISSION: '1',
      TRANSMISSION_TIME: '2022-11-26 13:14',
      TRANSMISSION_WAY: '1',
      CONSULT_RESPONSE_TIME: '2022-11-26 13:15',
      DIAGNOSIS: '1',
      STEMI_DIAGNOSIS_TIME: '2022-11-26 13:20',
      REPERFUSION_STRATEGY: '2',
      THROMBOLYSIS_SCREENING: '1',
      IS_THROMBOLYSIS: '1',
      THROMBOLYSIS_HOSPITAL_CODE: 'FJ-AX-LT',
      THROMBOLYSIS_DOOR_IN_TIME: '2022-11-26 13:09',
      CONSENT_START_TIME: '2022-11-26 13:24',
      CONSENT_SIGN_TIME: '2022-11-26 13:28',
      THROMBOLYSIS_START_TIME: '2022-11-26 13:35',
      THROMBOLYSIS_DRUG: '1',
      THROMBOLYSIS_DOSE_MG: '35',
      THROMBOLYSIS_DOSE_TYPE: '1',
      REPERFUSION_ASSESS_TIME: '2022-11-26 14:40',
      IS_REPERFUSION: '1',
      ECG_LIST: [{ ECG_TIME: '2022-11-26 13:12', DIAGNOSIS_TIME: '', ECG_IMAGE: 'AAAA' }],
    })
    expect(report.TreatmentPciInfo).toEqual({
      PCI_HOSPITAL_CODE: 'FJ-AX-001',
      ACTIVATE_CATH_LAB_TIME: '2022-11-26 14:05',
      CATH_LAB_READY_TIME: '2022-11-26 14:30',
      WIRE_TIME: '2022-11-26 15:05',
      IS_RESCUE_PCI: '0',
    })
    expect(report.OutComeInfo).toEqual({ OUTCOME: '', OUTCOME_TIME: '' })
  })

  it('carries the REGISTER_ID on an update', () => {
    const { report: again } = cpcReport({ ...inputOf(anxi as unknown as Fixture), registerId: 'R-1' })
    expect(again.RegisterInfo.REGISTER_ID).toBe('R-1')
  })

  it('reports a value the platform has no code for instead of sending it', () => {
    const input = inputOf(anxi as unknown as Fixture)
    const { report: r, problems: p } = cpcReport({
      ...input,
      record: { ...input.record, lysisDrug: 'streptokinase' },
    })
    expect(p).toEqual([{ field: 'TreatmentInfo.THROMBOLYSIS_DRUG', value: 'streptokinase' }])
    expect(r.TreatmentInfo.THROMBOLYSIS_DRUG).toBe('')
  })

  it('lists the required fields left empty', () => {
    const input = inputOf(anxi as unknown as Fixture)
    const { report: r } = cpcReport({
      ...input,
      record: { ...input.record, firstEcg: null, arrivalMode: null },
    })
    expect(missingRequired(r)).toEqual(['FirstAIDInfo.COMING_WAY', 'TreatmentInfo.FIRST_ECG_TIME'])
  })
})

describe('village → township → county', () => {
  // The Anxi network with a village rescue point in front of Lantian.
  const base = anxi as unknown as Fixture
  const network: NetworkInfo = {
    ...base.network,
    facilities: [
      ...base.network.facilities,
      {
        id: 'village',
        name: '蓝田村卫生所',
        level: 'village',
        canLyse: false,
        hasCathLab: false,
        lysisDrugs: [],
      },
    ] as NetworkInfo['facilities'],
    travel: [
      ...base.network.travel,
      { from: 'village', to: 'lantian', minutes: 15 },
      { from: 'village', to: 'county', minutes: 90 },
    ],
  }
  const fixture: Fixture = {
    network,
    case: {
      ...base.case,
      facilityId: 'village',
      events: [
        {
          id: '6f1d0c1e-0000-4000-8000-000000000001',
          type: 'first_medical_contact',
          at: '2026-03-02T08:00:00+08:00',
          by: 'village.a',
          facilityId: 'village',
          arrivalMode: 'walk_in',
        },
        {
          id: '6f1d0c1e-0000-4000-8000-000000000002',
          type: 'ecg_acquired',
          at: '2026-03-02T08:06:00+08:00',
          by: 'village.a',
          facilityId: 'village',
        },
        {
          id: '6f1d0c1e-0000-4000-8000-000000000003',
          type: 'departed',
          at: '2026-03-02T08:20:00+08:00',
          by: 'village.a',
          facilityId: 'village',
          toFacilityId: 'lantian',
        },
        {
          id: '6f1d0c1e-0000-4000-8000-000000000004',
          type: 'arrived',
          at: '2026-03-02T08:36:00+08:00',
          by: 'lantian',
          facilityId: 'lantian',
        },
        {
          id: '6f1d0c1e-0000-4000-8000-000000000005',
          type: 'transfer_decided',
          at: '2026-03-02T08:45:00+08:00',
          by: 'lantian',
          toFacilityId: 'county',
        },
        {
          id: '6f1d0c1e-0000-4000-8000-000000000006',
          type: 'departed',
          at: '2026-03-02T09:00:00+08:00',
          by: 'lantian',
          facilityId: 'lantian',
          toFacilityId: 'county',
        },
        {
          id: '6f1d0c1e-0000-4000-8000-000000000007',
          type: 'arrived',
          at: '2026-03-02T10:10:00+08:00',
          by: 'cathlab',
          facilityId: 'county',
        },
      ],
    },
  }

  it('names the township, not the village, as the referring hospital', () => {
    const input = inputOf(fixture)
    const { report } = cpcReport(input)
    expect(report.FirstAIDInfo).toMatchObject({
      FMC_HOSPITAL: '蓝田村卫生所',
      TRANSFER_HOSPITAL_CODE: 'FJ-AX-LT',
      TRANSFER_HOSPITAL_NAME: '蓝田乡卫生院',
      TRANSFER_DOOR_IN_TIME: '2026-03-02 08:36',
      TRANSFER_DOOR_OUT_TIME: '2026-03-02 09:00',
      ARRIVED_HOSPITAL_TIME: '2026-03-02 10:10',
    })
  })
})
