/**
 * The deadline rules of docs/clinical-rules.md as one declarative table. Each row:
 * when the clock starts, what stops it, the target, the warning point, who is alerted and
 * how it escalates, with the clinical source. Adding a rule means editing this table and
 * its test only; plan(), timersFor() and fire() are generic over it.
 */
import type { AlertKind } from './ladder.ts'
import type { Bilingual } from './case-model.ts'
import type { CaseState } from './fold.ts'
import type { NetworkInfo } from './network.ts'
import {
  diagnosisToNeedleStart,
  didoEnd,
  didoStart,
  doorToNeedleStart,
  doorToWireStart,
  failedLysisAt,
  fmcAtPciCenter,
  fmcToWireStart,
  repeatEcgDone,
  repeatEcgStart,
  successfulLysisBolusAt,
} from './rule-anchors.ts'
import type { Audience, RuleKey } from './rule-keys.ts'
import { hours, minutes, type Duration, type Instant } from './time.ts'

export interface Escalation {
  after: Duration
  to: Audience[]
}

export interface Rule {
  key: RuleKey
  title: Bilingual
  /** When the clock starts; null when the rule does not apply to this case (yet). */
  startsAt: (s: CaseState, n: NetworkInfo) => Instant | null
  /** When the rule was satisfied; null while unsatisfied. */
  satisfiedBy: (s: CaseState) => Instant | null
  /** Time from start to due (the `missed` point). */
  target: Duration
  /** Time from start to the warning. */
  warnAt?: Duration
  /** Case-dependent target and warning (overrides `target`/`warnAt`). */
  targetFor?: (s: CaseState, n: NetworkInfo) => { target: Duration; warnAt?: Duration }
  /** Met only strictly before the target (the standard says "< 30 min"). */
  strictTarget?: boolean
  alert: Audience[]
  escalation?: Escalation[]
  /**
   * The rule escalates along this alert ladder's hand-over steps instead of `escalation`
   * (workflows/core/ladder.ts; per network, editable by its admin).
   */
  escalationLadder?: AlertKind
  /** Escalation steps become moot once this has happened (someone picked up the consult). */
  escalationStoppedBy?: (s: CaseState) => Instant | null
  source: string
}

export const RULES: readonly Rule[] = [
  {
    key: 'first_ecg',
    title: { zh: '首份心电图', en: 'First ECG' },
    startsAt: (s) => s.points.fmc,
    satisfiedBy: (s) => s.points.firstEcg,
    target: minutes(10), // China CPC accreditation standard; ESC 2023 ACS: 12-lead ECG ≤ 10 min of FMC
    warnAt: minutes(7),
    alert: ['case_physician'],
    source: 'China CPC accreditation standard; ESC 2023 ACS guideline: FMC-to-ECG ≤ 10 min',
  },
  {
    key: 'remote_read',
    title: { zh: '远程读图', en: 'Remote ECG read' },
    startsAt: (s) => s.points.firstTransmitted,
    satisfiedBy: (s) => s.points.firstDiagnosis,
    target: minutes(10), // China CPC accreditation standard: transmitted ECG read ≤ 10 min
    alert: ['on_call_first_line', 'case_physician'],
    // An unacknowledged consult escalates along the rota: the consult ladder's hand-over steps
    // (default 3 min → second-line, 6 min → every cardiologist; workflows/core/ladder.ts).
    escalationLadder: 'consult',
    escalationStoppedBy: (s) => s.points.consultAcknowledged?.at ?? null,
    source:
      'China CPC accreditation standard (remote ECG diagnosis ≤ 10 min); on-call rota of docs/admin-api.md',
  },
  {
    key: 'diagnosis_to_needle',
    title: { zh: '确诊至溶栓', en: 'Diagnosis to needle' },
    startsAt: diagnosisToNeedleStart,
    satisfiedBy: (s) => s.points.bolus?.at ?? null,
    target: minutes(10), // ESC 2023 ACS: fibrinolytic bolus within 10 min of STEMI diagnosis
    warnAt: minutes(7),
    alert: ['case_physician', 'approving_cardiologist'],
    source: 'ESC 2023 ACS guideline: STEMI diagnosis to fibrinolytic bolus ≤ 10 min',
  },
  {
    key: 'door_to_needle',
    title: { zh: '进门至溶栓', en: 'Door to needle' },
    startsAt: doorToNeedleStart,
    satisfiedBy: (s) => s.points.bolus?.at ?? null,
    target: minutes(30), // China CPC accreditation standard; ESC 2023: D2N ≤ 30 min
    warnAt: minutes(20),
    alert: ['case_physician', 'case_cardiologists'],
    source: 'China CPC accreditation standard; ESC 2023 ACS guideline: door-to-needle ≤ 30 min',
  },
  {
    key: 'door_in_door_out',
    title: { zh: '进门至出门', en: 'Door-in door-out' },
    startsAt: didoStart,
    satisfiedBy: didoEnd,
    target: minutes(30), // China CPC accreditation standard; ACC/AHA Mission: Lifeline: DIDO ≤ 30 min
    warnAt: minutes(20),
    alert: ['case_physician'],
    source: 'China CPC accreditation standard; AHA Mission: Lifeline: door-in door-out ≤ 30 min',
  },
  {
    key: 'cath_lab_activation',
    title: { zh: '导管室激活', en: 'Cath lab activation' },
    startsAt: (s) => s.points.cathLabActivated,
    satisfiedBy: (s) => s.points.cathLabReady,
    target: minutes(30), // China CPC accreditation standard: team in place < 30 min of activation
    // "< 30": ready at exactly 30 min is missed (docs/clinical-rules.md, "Cath lab activation").
    strictTarget: true,
    warnAt: minutes(20),
    alert: ['cath_lab', 'case_cardiologists'],
    source: 'China CPC accreditation standard: cath lab activation to team ready < 30 min',
  },
  {
    key: 'reperfusion_check',
    title: { zh: '溶栓后再灌注评估', en: 'Reperfusion check after lysis' },
    startsAt: (s) => s.points.bolus?.at ?? null,
    satisfiedBy: (s) => s.points.reperfusion?.at ?? null,
    // ESC 2023 ACS: assess ST resolution 60–90 min after the bolus. The warning at 60 min says
    // "due now"; the deadline (missed, "overdue") is 90 min.
    target: minutes(90),
    warnAt: minutes(60),
    alert: ['case_physician', 'case_cardiologists'],
    source:
      'ESC 2023 ACS guideline: evaluate reperfusion (ST resolution ≥ 50 %) 60–90 min after fibrinolysis',
  },
  {
    key: 'rescue_pci',
    title: { zh: '补救性 PCI', en: 'Rescue PCI' },
    startsAt: failedLysisAt,
    satisfiedBy: (s) => s.points.wire,
    target: minutes(60), // ESC 2023 ACS: failed fibrinolysis → immediate rescue PCI; 60 min is our "as soon as possible"
    warnAt: minutes(0), // alert at once
    alert: ['cath_lab', 'case_cardiologists'],
    source:
      'ESC 2023 ACS guideline: rescue PCI immediately after failed fibrinolysis (< 50 % ST resolution at 60–90 min)',
  },
  {
    key: 'angiography_after_lysis',
    title: { zh: '溶栓后造影', en: 'Angiography after lysis' },
    startsAt: successfulLysisBolusAt,
    satisfiedBy: (s) => s.points.wire,
    // ESC 2023 ACS: angiography 2–24 h after successful lysis. The deadline is the 24 h end;
    // a wire before 2 h still meets it (earlier angiography is not a safety miss) and shows as
    // out of target in the lysis_to_angiography metric (min 120).
    target: hours(24),
    warnAt: hours(20),
    alert: ['cath_lab'],
    source: 'ESC 2023 ACS guideline: routine angiography 2–24 h after successful fibrinolysis',
  },
  {
    key: 'fmc_to_wire',
    title: { zh: '首次医疗接触至导丝通过', en: 'FMC to wire' },
    startsAt: fmcToWireStart,
    satisfiedBy: (s) => s.points.wire,
    // ACC/AHA: FMC-to-device ≤ 120 min when transferred, ≤ 90 min direct (ESC 2023 starts its
    // 120-min clock at the STEMI diagnosis instead; docs/clinical-rules.md, "FMC to wire").
    target: minutes(120),
    warnAt: minutes(90),
    // ACC/AHA: ≤ 90 min when the FMC is at the PCI center itself (direct admission).
    targetFor: (s, n) =>
      fmcAtPciCenter(s, n)
        ? { target: minutes(90), warnAt: minutes(60) }
        : { target: minutes(120), warnAt: minutes(90) },
    alert: ['cath_lab'],
    source:
      'ACC/AHA STEMI guideline: primary PCI FMC-to-device ≤ 120 min (transfer) / ≤ 90 min (direct); ESC 2023 counts from diagnosis',
  },
  {
    key: 'door_to_wire',
    title: { zh: '县医院进门至导丝通过', en: 'County door to wire' },
    startsAt: doorToWireStart,
    satisfiedBy: (s) => s.points.wire,
    // Xinlian's own target, stricter than the China CPC accreditation standard's door-to-balloon
    // ≤ 90 min (primary PCI only; docs/clinical-rules.md, "Door to wire").
    target: minutes(60),
    warnAt: minutes(45),
    alert: ['cath_lab'],
    source:
      "Xinlian's own target (60 min); the China CPC accreditation standard asks door-to-balloon ≤ 90 min for primary PCI",
  },
  {
    key: 'repeat_ecg',
    title: { zh: '复查心电图', en: 'Repeat ECG' },
    startsAt: repeatEcgStart,
    satisfiedBy: repeatEcgDone,
    // ESC 2023 ACS and ACC/AHA 2025 ACS: a non-diagnostic first ECG with ongoing symptoms is
    // repeated every 15–30 min: warn at 15, due at 30 (docs/clinical-rules.md, "Repeat ECG").
    target: minutes(30),
    warnAt: minutes(15),
    alert: ['case_physician'],
    source: 'ESC 2023 ACS guideline; ACC/AHA 2025 ACS guideline: repeat a non-diagnostic ECG every 15–30 min',
  },
]

/** Look up a rule by key. */
export function ruleByKey(key: RuleKey): Rule {
  const r = RULES.find((x) => x.key === key)
  if (!r) throw new Error(`No rule ${key}`)
  return r
}
