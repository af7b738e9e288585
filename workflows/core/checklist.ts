/**
 * Thrombolysis screening lists (溶栓筛查表), docs/clinical-rules.md "Checklists": the default
 * Chinese list (CSC 2019 Chinese STEMI guideline and the 2018 Chinese pre-hospital lysis
 * consensus) and the ESC 2023 ACS guideline's list, chosen per network. Each list carries its
 * own items and intervals; the keys are API.
 */

/** Chinese list: any one of these makes lysis unsuitable (CSC 2019). */
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

/** Chinese list: shown prominently to the approving cardiologist; they do not block lysis (CSC 2019). */
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

/** Every key of the Chinese (default) list, absolute first; each must be answered. */
export const CHECKLIST_KEYS: readonly ChecklistKey[] = [
  ...ABSOLUTE_CONTRAINDICATIONS.map((c) => c.key),
  ...RELATIVE_CONTRAINDICATIONS.map((c) => c.key),
]

/**
 * ESC 2023 ACS guideline, contraindications to fibrinolytic therapy (absolute): note its own
 * intervals — ischaemic stroke 6 months, major trauma / surgery / head injury and GI bleeding
 * 1 month, non-compressible punctures 24 h.
 */
export const ESC_ABSOLUTE_CONTRAINDICATIONS = [
  {
    key: 'prior_intracranial_haemorrhage_or_unknown_stroke',
    zh: '既往颅内出血或不明原因卒中',
    en: 'Previous intracranial haemorrhage or stroke of unknown origin at any time',
  },
  { key: 'ischaemic_stroke_6m', zh: '6 个月内缺血性卒中', en: 'Ischaemic stroke in the previous 6 months' },
  {
    key: 'cns_damage_neoplasm_or_avm',
    zh: '中枢神经系统损伤、肿瘤或动静脉畸形',
    en: 'Central nervous system damage, neoplasm or arteriovenous malformation',
  },
  {
    key: 'major_trauma_surgery_head_injury_1m',
    zh: '1 个月内严重创伤、大手术或头部外伤(含颅内或椎管内手术)',
    en: 'Recent major trauma, surgery or head injury (incl. intracranial or intraspinal) in the previous month',
  },
  { key: 'gi_bleeding_1m', zh: '1 个月内消化道出血', en: 'Gastrointestinal bleeding within the past month' },
  {
    key: 'known_bleeding_disorder',
    zh: '已知出血性疾病(月经除外)',
    en: 'Known bleeding disorder (excluding menses)',
  },
  { key: 'aortic_dissection', zh: '可疑或确诊主动脉夹层', en: 'Suspected or confirmed aortic dissection' },
  {
    key: 'noncompressible_puncture_24h',
    zh: '24 小时内不可压迫部位穿刺(如肝活检、腰穿)',
    en: 'Non-compressible punctures in the past 24 h (e.g. liver biopsy, lumbar puncture)',
  },
] as const

/** ESC 2023 ACS guideline, relative contraindications. */
export const ESC_RELATIVE_CONTRAINDICATIONS = [
  { key: 'tia_6m', zh: '6 个月内 TIA', en: 'Transient ischaemic attack in the previous 6 months' },
  { key: 'current_anticoagulant', zh: '正在口服抗凝药', en: 'Oral anticoagulant therapy' },
  {
    key: 'pregnancy_or_postpartum_1w',
    zh: '妊娠或产后 1 周内',
    en: 'Pregnancy or within 1 week postpartum',
  },
  {
    key: 'uncontrolled_hypertension',
    zh: '难治性高血压(收缩压 >180 和/或舒张压 >110 mmHg)',
    en: 'Refractory hypertension (SBP > 180 and/or DBP > 110 mmHg)',
  },
  { key: 'advanced_liver_disease', zh: '晚期肝病', en: 'Advanced liver disease' },
  { key: 'endocarditis', zh: '感染性心内膜炎', en: 'Infective endocarditis' },
  { key: 'active_peptic_ulcer', zh: '活动性消化性溃疡', en: 'Active peptic ulcer' },
  {
    key: 'prolonged_or_traumatic_cpr',
    zh: '长时间或创伤性心肺复苏',
    en: 'Prolonged or traumatic resuscitation',
  },
] as const

/** A key of the ESC 2023 list (some are shared with the Chinese list). */
export type EscChecklistKey =
  | (typeof ESC_ABSOLUTE_CONTRAINDICATIONS)[number]['key']
  | (typeof ESC_RELATIVE_CONTRAINDICATIONS)[number]['key']
/** A key of either list: each has its words in the catalogue (`ck.<key>`, messages/keys.ts). */
export type AnyChecklistKey = ChecklistKey | EscChecklistKey

export type ChecklistVariant = 'cn' | 'esc'

export interface ChecklistItem {
  key: string
  zh: string
  en: string
}
export interface ChecklistDefinition {
  variant: ChecklistVariant
  absolute: readonly ChecklistItem[]
  relative: readonly ChecklistItem[]
  source: string
}

/** The two lists a network chooses from (network setting `checklist`, default `cn`). */
export const CHECKLISTS: Readonly<Record<ChecklistVariant, ChecklistDefinition>> = {
  cn: {
    variant: 'cn',
    absolute: ABSOLUTE_CONTRAINDICATIONS,
    relative: RELATIVE_CONTRAINDICATIONS,
    source: 'CSC 2019 Chinese STEMI guideline; 2018 Chinese pre-hospital thrombolysis consensus',
  },
  esc: {
    variant: 'esc',
    absolute: ESC_ABSOLUTE_CONTRAINDICATIONS,
    relative: ESC_RELATIVE_CONTRAINDICATIONS,
    source: 'ESC 2023 ACS guideline, contraindications to fibrinolytic therapy',
  },
}

/** The list of a variant (unknown → the Chinese default). */
export function checklistFor(variant: string | null | undefined): ChecklistDefinition {
  return variant === 'esc' ? CHECKLISTS.esc : CHECKLISTS.cn
}

/** Every key of a list, absolute first. */
export function checklistKeys(variant: string | null | undefined): string[] {
  const c = checklistFor(variant)
  return [...c.absolute, ...c.relative].map((i) => i.key)
}

/** Every key of either list (the payload accepts these; the guard asks for the network's list). */
export const ALL_CHECKLIST_KEYS: readonly string[] = [
  ...new Set([...checklistKeys('cn'), ...checklistKeys('esc')]),
]

export interface ChecklistScreening {
  result: 'suitable' | 'unsuitable'
  /** Absolute contraindications answered yes. */
  absolute: string[]
  /** Relative contraindications answered yes. */
  relative: string[]
}

/**
 * Screen a checklist against the network's list: any absolute contraindication answered yes
 * makes lysis unsuitable; relative ones are listed for the approving cardiologist. Keys of the
 * other list are ignored; an unanswered key counts as "no" here because the guard already
 * requires every key of the list (docs/clinical-rules.md, "Checklists").
 */
export function screenChecklist(
  answers: Record<string, boolean>,
  variant: ChecklistVariant = 'cn',
): ChecklistScreening {
  const c = checklistFor(variant)
  const absolute = c.absolute.filter((i) => answers[i.key] === true).map((i) => i.key)
  const relative = c.relative.filter((i) => answers[i.key] === true).map((i) => i.key)
  return { result: absolute.length > 0 ? 'unsuitable' : 'suitable', absolute, relative }
}
