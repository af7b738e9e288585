/** Deadline rule keys (docs/clinical-rules.md; part of the API) and alert audiences. */
export const RULE_KEYS = [
  'first_ecg',
  'remote_read',
  'diagnosis_to_needle',
  'door_to_needle',
  'door_in_door_out',
  'cath_lab_activation',
  'reperfusion_check',
  'rescue_pci',
  'angiography_after_lysis',
  'fmc_to_wire',
  'door_to_wire',
  'repeat_ecg',
] as const
export type RuleKey = (typeof RULE_KEYS)[number]

/** Who an alert goes to; the runtime resolves these to people via the case and the on-call rota. */
export const AUDIENCES = [
  'case_physician',
  'on_call_first_line',
  'on_call_second_line',
  'all_cardiologists',
  'approving_cardiologist',
  'case_cardiologists',
  'cath_lab',
] as const
export type Audience = (typeof AUDIENCES)[number]
