/** The QA metric keys of docs/qa-api.md (part of the API: export columns and dashboard keys). */
export const METRIC_KEYS = [
  'onset_to_fmc',
  'fmc_to_ecg',
  'ecg_to_diagnosis',
  'door_to_needle',
  'diagnosis_to_needle',
  'door_in_door_out',
  'door_to_wire',
  'cath_lab_activation',
  'fmc_to_wire',
  'lysis_to_angiography',
  'total_ischemic_time',
] as const
export type MetricKey = (typeof METRIC_KEYS)[number]
