/**
 * The national chest-pain-center data platform's case report (中国胸痛中心数据填报平台), built
 * from the registry record of a case: pure, so each field is table-tested (cpc-report.test.ts) and
 * the dry run shows exactly what the client would send. docs/registry-platform.md lists every
 * field, its Xinlian source and the fields still missing.
 *
 * Five sections, as the platform's REST interface takes them: RegisterInfo (registration),
 * FirstAIDInfo (pre-hospital and transfer), TreatmentInfo (ECG, diagnosis, thrombolysis),
 * TreatmentPciInfo (PCI) and OutComeInfo (outcome). Times are China time `yyyy-MM-dd HH:mm`
 * (the platform's form has minute precision); enumerations are the platform's codes
 * (CPC_CODES below, one table so that a change of the platform's dictionary is one edit).
 */
import { TZDate } from '@date-fns/tz'
import { format } from 'date-fns/format'
import type { Patient } from './case-model.ts'
import type { CaseState } from './fold.ts'
import type { RegistryRecord } from './registry-record.ts'
import { doorIn } from './time-points.ts'
import type { Instant } from './time.ts'

/** The platform is a Chinese service and reads its times as Beijing time. */
export const CPC_TIME_ZONE = 'Asia/Shanghai'

/** `yyyy-MM-dd HH:mm` in China time, or '' when the point was not recorded (the platform's "not filled"). */
export function cpcTime(t: Instant | null): string {
  return t === null ? '' : format(new TZDate(t, CPC_TIME_ZONE), 'yyyy-MM-dd HH:mm')
}

/** The platform's code tables (数据字典) for the enumerations Xinlian fills. */
export const CPC_CODES = {
  /** 来院方式 */
  comingWay: { ambulance: '1', transfer: '2', walk_in: '3', in_hospital: '4' },
  /** 性别 */
  sex: { male: '1', female: '2' },
  /** 心电图传输方式: 实时传输 / 微信群 / 其他 (upload of a photo or file) */
  transmission: { realtime: '1', wechat: '2', upload: '3' },
  /** 初步诊断 */
  diagnosis: {
    stemi: '1',
    nstemi: '2',
    unstable_angina: '3',
    aortic_dissection: '4',
    pulmonary_embolism: '5',
    other_cardiac: '6',
    non_cardiac: '7',
    inconclusive: '8',
  },
  /** 再灌注策略 */
  strategy: { primary_pci: '1', pharmacoinvasive: '2', conservative: '3' },
  /** 溶栓药物 */
  drug: {
    tenecteplase: '1',
    'rhTNK-tPA': '2',
    alteplase: '3',
    reteplase: '4',
    prourokinase: '5',
    urokinase: '6',
  },
  /** 溶栓剂量 全量 / 半量 */
  doseFraction: { full: '1', half: '2' },
  /** 溶栓筛查 合适 / 不合适 */
  screening: { suitable: '1', unsuitable: '2' },
  /** 是 / 否 */
  yesNo: { true: '1', false: '0' },
  /** 转归 */
  outcome: { discharged_alive: '1', died: '2', transferred_elsewhere: '3', not_acs: '4' },
} as const

type CodeTable = Readonly<Record<string, string>>

/** The platform code of a Xinlian value; '' when the value is absent, `null` when it has no code. */
function code(table: CodeTable, value: string | null | undefined): string | null {
  if (value === null || value === undefined) return ''
  return Object.hasOwn(table, value) ? table[value]! : null
}

const yesNo = (b: boolean | null): string => (b === null ? '' : CPC_CODES.yesNo[b ? 'true' : 'false'])

/** What the report says of a facility: its platform code and its Chinese name. */
export interface CpcFacility {
  code: string
  name: string
}

/** An ECG as the platform takes it: the image as base64 JPEG with acquisition and diagnosis times. */
export interface CpcEcg {
  acquiredAt: Instant | null
  diagnosedAt: Instant | null
  jpegBase64: string | null
}

/** The platform's 转出医院 of a case: where it was, when it came in and when it left. */
export interface Referring {
  facilityId: string
  doorIn: Instant | null
  doorOut: Instant
}

/**
 * 转出医院 as the platform means it: the hospital that sent the patient to the reporting PCI
 * hospital, i.e. the last non-PCI facility left before the PCI center. For village → township →
 * county that is the township (the QA metric door-in-door-out keeps the first transferring
 * facility; see docs/registry-platform.md).
 */
export function referringOf(state: CaseState): Referring | null {
  const p = state.points
  const d = p.departures.filter((x) => !x.fromPciCenter).at(-1)
  return d ? { facilityId: d.facilityId, doorIn: doorIn(p, d.facilityId), doorOut: d.at } : null
}

/** Everything the report needs beyond the registry record, gathered by the runtime. */
export interface CpcReportInput {
  record: RegistryRecord
  referring: Referring | null
  patient: Patient & { recordNumber?: string | null }
  /** The region of the network, as Chinese text (the platform takes names, not codes, here). */
  region: { province: string; city: string; county: string }
  /** The reporting PCI hospital. */
  hospital: CpcFacility
  facilities: ReadonlyMap<string, CpcFacility>
  ecgs: readonly CpcEcg[]
  /** The platform's id of this case once it answered a first report. */
  registerId: string | null
}

export interface CpcReport {
  RegisterInfo: Record<string, string | number | null>
  FirstAIDInfo: Record<string, string>
  TreatmentInfo: Record<string, unknown>
  TreatmentPciInfo: Record<string, string>
  OutComeInfo: Record<string, string>
}

/** A field that has a value in Xinlian but no code in the platform's dictionary. */
export interface CpcMappingProblem {
  field: string
  value: string
}

/**
 * Map a case to the platform's five sections. Returns the problems instead of sending a value the
 * platform would refuse: a Xinlian value with no platform code is a mapping problem QA sees.
 */
export function cpcReport(input: CpcReportInput): { report: CpcReport; problems: CpcMappingProblem[] } {
  const { record: r, patient } = input
  const problems: CpcMappingProblem[] = []
  const coded = (field: string, table: CodeTable, value: string | null | undefined): string => {
    const c = code(table, value)
    if (c === null) {
      problems.push({ field, value: String(value) })
      return ''
    }
    return c
  }
  const facility = (id: string | null): CpcFacility | null =>
    id === null ? null : (input.facilities.get(id) ?? null)
  // 转出医院: the hospital that sent the patient to the reporting PCI hospital. For village →
  // township → county that is the township, i.e. the last non-PCI facility the patient left.
  const referring = facility(input.referring?.facilityId ?? null)
  const lysing = facility(r.lysisFacilityId)

  const report: CpcReport = {
    RegisterInfo: {
      REGISTER_ID: input.registerId,
      HOSPITAL_CODE: input.hospital.code,
      HOSPITAL_NAME: input.hospital.name,
      PROVINCE: input.region.province,
      CITY: input.region.city,
      COUNTY: input.region.county,
      CASE_NO: r.caseId,
      MEDICAL_RECORD_NO: patient.recordNumber ?? '',
      GENDER: coded('RegisterInfo.GENDER', CPC_CODES.sex, patient.sex),
      AGE: patient.age,
      WEIGHT: patient.weightKg ?? null,
      ONSET_TIME: cpcTime(r.symptomOnset),
      ONSET_TIME_ESTIMATED: r.symptomOnset === null ? '' : yesNo(r.onsetApproximate),
    },
    FirstAIDInfo: {
      COMING_WAY: coded('FirstAIDInfo.COMING_WAY', CPC_CODES.comingWay, r.arrivalMode),
      FMC_TIME: cpcTime(r.fmc),
      FMC_HOSPITAL: facility(r.fmcFacilityId)?.name ?? '',
      TRANSFER_HOSPITAL_CODE: referring?.code ?? '',
      TRANSFER_HOSPITAL_NAME: referring?.name ?? '',
      TRANSFER_DOOR_IN_TIME: cpcTime(input.referring?.doorIn ?? null),
      TRANSFER_DECISION_TIME: cpcTime(r.transferDecided),
      TRANSFER_DOOR_OUT_TIME: cpcTime(input.referring?.doorOut ?? null),
      ARRIVED_HOSPITAL_TIME: cpcTime(r.countyDoorIn),
      BYPASS_ED: yesNo(r.bypassedEd),
      BYPASS_CCU: yesNo(r.bypassedCcu),
    },
    TreatmentInfo: {
      FIRST_ECG_TIME: cpcTime(r.firstEcg),
      IS_REMOTE_TRANSMISSION: yesNo(r.ecgTransmitted !== null),
      TRANSMISSION_TIME: cpcTime(r.ecgTransmitted),
      TRANSMISSION_WAY: coded('TreatmentInfo.TRANSMISSION_WAY', CPC_CODES.transmission, r.ecgVia),
      CONSULT_RESPONSE_TIME: cpcTime(r.consultAcknowledged),
      DIAGNOSIS: coded('TreatmentInfo.DIAGNOSIS', CPC_CODES.diagnosis, r.diagnosis),
      FIRST_DIAGNOSIS_TIME: cpcTime(r.firstDiagnosis),
      STEMI_DIAGNOSIS_TIME: cpcTime(r.stemiDiagnosis),
      REPERFUSION_STRATEGY: coded('TreatmentInfo.REPERFUSION_STRATEGY', CPC_CODES.strategy, r.strategy),
      THROMBOLYSIS_SCREENING: coded(
        'TreatmentInfo.THROMBOLYSIS_SCREENING',
        CPC_CODES.screening,
        r.checklistResult,
      ),
      IS_THROMBOLYSIS: yesNo(r.lysisStart !== null),
      THROMBOLYSIS_HOSPITAL_CODE: lysing?.code ?? '',
      THROMBOLYSIS_DOOR_IN_TIME: cpcTime(r.lysisDoorIn),
      CONSENT_START_TIME: cpcTime(r.consentStarted),
      CONSENT_SIGN_TIME: cpcTime(r.consentSigned),
      THROMBOLYSIS_START_TIME: cpcTime(r.lysisStart),
      THROMBOLYSIS_END_TIME: cpcTime(r.lysisEnd),
      THROMBOLYSIS_DRUG: coded('TreatmentInfo.THROMBOLYSIS_DRUG', CPC_CODES.drug, r.lysisDrug),
      THROMBOLYSIS_DOSE_MG: r.lysisDoseMg === null ? '' : String(r.lysisDoseMg),
      THROMBOLYSIS_DOSE_TYPE: coded(
        'TreatmentInfo.THROMBOLYSIS_DOSE_TYPE',
        CPC_CODES.doseFraction,
        r.lysisDoseFraction,
      ),
      REPERFUSION_ASSESS_TIME: cpcTime(r.reperfusionAt),
      IS_REPERFUSION: yesNo(r.reperfusion),
      ECG_LIST: input.ecgs.map((e) => ({
        ECG_TIME: cpcTime(e.acquiredAt),
        DIAGNOSIS_TIME: cpcTime(e.diagnosedAt),
        ECG_IMAGE: e.jpegBase64 ?? '',
      })),
    },
    TreatmentPciInfo: {
      PCI_HOSPITAL_CODE: facility(r.countyFacilityId)?.code ?? '',
      ACTIVATE_CATH_LAB_TIME: cpcTime(r.cathLabActivated),
      CATH_LAB_READY_TIME: cpcTime(r.cathLabReady),
      WIRE_TIME: cpcTime(r.wire),
      IS_RESCUE_PCI: yesNo(r.rescuePci),
    },
    OutComeInfo: {
      OUTCOME: coded('OutComeInfo.OUTCOME', CPC_CODES.outcome, r.outcome),
      OUTCOME_TIME: cpcTime(r.outcomeAt),
    },
  }
  return { report, problems }
}

/** The fields the platform requires of every case; the fake platform in the tests refuses without them. */
export const CPC_REQUIRED: readonly (readonly [keyof CpcReport, string])[] = [
  ['RegisterInfo', 'HOSPITAL_CODE'],
  ['RegisterInfo', 'GENDER'],
  ['RegisterInfo', 'AGE'],
  ['FirstAIDInfo', 'COMING_WAY'],
  ['FirstAIDInfo', 'FMC_TIME'],
  ['TreatmentInfo', 'FIRST_ECG_TIME'],
  ['TreatmentInfo', 'DIAGNOSIS'],
]

/** Required fields left empty: QA sees them before anything is sent. */
export function missingRequired(report: CpcReport): string[] {
  return CPC_REQUIRED.filter(([s, f]) => {
    const v = (report[s] as Record<string, unknown>)[f]
    return v === '' || v === null || v === undefined
  }).map(([s, f]) => `${s}.${f}`)
}
