/**
 * Thrombolysis screening list (溶栓筛查表), SPEC §6: the Chinese Society of Cardiology STEMI
 * guideline list, whose items match the ESC 2023 ACS guideline's fibrinolysis
 * contraindications. Keys are API (SPEC §3).
 */

/** Any one of these makes lysis unsuitable (ESC 2023 ACS, table of absolute contraindications). */
export const ABSOLUTE_CONTRAINDICATIONS = [
  {
    key: 'prior_intracranial_haemorrhage',
    zh: '既往任何时间颅内出血',
    en: 'Prior intracranial haemorrhage (any time)',
  },
  {
    key: 'cerebrovascular_malformation',
    zh: '脑血管结构异常(如动静脉畸形)',
    en: 'Cerebrovascular malformation (e.g. AVM)',
  },
  { key: 'intracranial_malignancy', zh: '颅内恶性肿瘤', en: 'Intracranial malignancy' },
  {
    key: 'ischaemic_stroke_or_tia_3m',
    zh: '3 个月内缺血性卒中或 TIA',
    en: 'Ischaemic stroke or TIA within 3 months',
  },
  { key: 'aortic_dissection', zh: '可疑或确诊主动脉夹层', en: 'Suspected or confirmed aortic dissection' },
  {
    key: 'active_bleeding_or_diathesis',
    zh: '活动性出血或出血倾向',
    en: 'Active bleeding or bleeding diathesis',
  },
  {
    key: 'head_or_facial_trauma_3m',
    zh: '3 个月内严重头面部闭合性创伤',
    en: 'Severe closed head or facial trauma within 3 months',
  },
] as const

/** Shown prominently to the approving cardiologist; they do not block lysis (ESC 2023 ACS). */
export const RELATIVE_CONTRAINDICATIONS = [
  {
    key: 'uncontrolled_hypertension',
    zh: '未控制的高血压(≥180/110 mmHg)',
    en: 'Uncontrolled hypertension (≥ 180/110 mmHg)',
  },
  { key: 'prolonged_or_traumatic_cpr', zh: '心肺复苏 >10 分钟或创伤性', en: 'CPR > 10 min or traumatic' },
  {
    key: 'dementia_or_intracranial_disease',
    zh: '痴呆或其他颅内疾病',
    en: 'Dementia or other intracranial disease',
  },
  {
    key: 'recent_trauma_surgery_or_internal_bleeding',
    zh: '3 周内创伤或大手术,4 周内内脏出血',
    en: 'Trauma or major surgery within 3 weeks, internal bleeding within 4 weeks',
  },
  {
    key: 'noncompressible_puncture_2w',
    zh: '2 周内不可压迫部位血管穿刺',
    en: 'Non-compressible vessel puncture within 2 weeks',
  },
  { key: 'endocarditis', zh: '感染性心内膜炎', en: 'Endocarditis' },
  { key: 'pregnancy', zh: '妊娠', en: 'Pregnancy' },
  { key: 'active_peptic_ulcer', zh: '活动性消化性溃疡', en: 'Active peptic ulcer' },
  {
    key: 'end_stage_cancer_or_severe_organ_disease',
    zh: '终末期肿瘤或严重肝肾疾病',
    en: 'End-stage cancer or severe liver/kidney disease',
  },
  { key: 'current_anticoagulant', zh: '正在口服抗凝药', en: 'Current oral anticoagulant' },
] as const

export type AbsoluteContraindication = (typeof ABSOLUTE_CONTRAINDICATIONS)[number]['key']
export type RelativeContraindication = (typeof RELATIVE_CONTRAINDICATIONS)[number]['key']
export type ChecklistKey = AbsoluteContraindication | RelativeContraindication

/** Every checklist key, absolute first; each must be answered (SPEC §3). */
export const CHECKLIST_KEYS: readonly ChecklistKey[] = [
  ...ABSOLUTE_CONTRAINDICATIONS.map((c) => c.key),
  ...RELATIVE_CONTRAINDICATIONS.map((c) => c.key),
]

export interface ChecklistScreening {
  result: 'suitable' | 'unsuitable'
  /** Absolute contraindications answered yes. */
  absolute: string[]
  /** Relative contraindications answered yes. */
  relative: string[]
}

/**
 * Screen a checklist: any absolute contraindication answered yes makes lysis unsuitable
 * (SPEC §6); relative ones are listed for the approving cardiologist. Unknown keys are ignored;
 * an unanswered key counts as "no" here because input parsing already requires every key.
 */
export function screenChecklist(answers: Record<string, boolean>): ChecklistScreening {
  const absolute = ABSOLUTE_CONTRAINDICATIONS.filter((c) => answers[c.key] === true).map(
    (c) => c.key as string,
  )
  const relative = RELATIVE_CONTRAINDICATIONS.filter((c) => answers[c.key] === true).map(
    (c) => c.key as string,
  )
  return { result: absolute.length > 0 ? 'unsuitable' : 'suitable', absolute, relative }
}
