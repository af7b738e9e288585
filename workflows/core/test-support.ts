/**
 * Shared builders for the core's pure tests: a small network modelled on Anxi (README.md),
 * an event builder with times in minutes from a fixed instant, and a tiny timer runtime
 * that drives step()/fire() the way workflows/runtime does, without any IO.
 */
import type { Actor, CaseEvent, CaseInfo } from './case-model.ts'
import type { Effect } from './effects.ts'
import type { EventType } from './event-types.ts'
import { fire } from './fire.ts'
import { fold, type CaseState } from './fold.ts'
import type { NetworkInfo } from './network.ts'
import { step } from './step.ts'
import type { TimerSpec } from './timers.ts'
import { minutes, type Instant } from './time.ts'

/** 2022-11-26 13:00 +08:00, the afternoon of the Anxi case. */
export const T0: Instant = Date.parse('2022-11-26T13:00:00+08:00')
/** The instant `m` minutes after T0. */
export const t = (m: number): Instant => T0 + minutes(m)

export const NETWORK: NetworkInfo = {
  id: 'anxi',
  facilities: [
    {
      id: 'county',
      name: '安溪县医院胸痛中心',
      level: 'county',
      canLyse: true,
      hasCathLab: true,
      lysisDrugs: ['tenecteplase'],
    },
    {
      id: 'lantian',
      name: '蓝田乡卫生院',
      level: 'township',
      canLyse: true,
      hasCathLab: false,
      lysisDrugs: ['tenecteplase'],
    },
    {
      id: 'longjuan',
      name: '龙涓乡卫生院',
      level: 'township',
      canLyse: true,
      hasCathLab: false,
      lysisDrugs: ['rhTNK-tPA'],
    },
    { id: 'v1', name: '上村村卫生所', level: 'village', canLyse: false, hasCathLab: false, lysisDrugs: [] },
  ],
  travel: [
    { from: 'lantian', to: 'county', minutes: 78 },
    { from: 'longjuan', to: 'county', minutes: 72 },
    { from: 'v1', to: 'lantian', minutes: 10 },
    { from: 'v1', to: 'longjuan', minutes: 36 },
    { from: 'v1', to: 'county', minutes: 88 },
  ],
  expectedDoorToWireMinutes: 60,
}

export const INFO: CaseInfo = {
  id: 'case-1',
  networkId: 'anxi',
  facilityId: 'lantian',
  patient: { sex: 'male', age: 58, weightKg: 65 },
  createdBy: 'lantian',
}

export const ACTORS = {
  township: { id: 'lantian', roles: ['township_physician'], facilityIds: ['lantian'] },
  village: { id: 'village.a', roles: ['village_doctor'], facilityIds: ['v1'] },
  cardiologist: { id: 'dr.chen', roles: ['cardiologist'], facilityIds: ['county'] },
  cathLab: { id: 'cathlab', roles: ['cath_lab'], facilityIds: ['county'] },
} satisfies Record<string, Actor>

export const NO_ANSWERS: Record<string, boolean> = {
  prior_intracranial_haemorrhage: false,
  cerebrovascular_malformation: false,
  intracranial_malignancy: false,
  ischaemic_stroke_or_tia_3m: false,
  aortic_dissection: false,
  active_bleeding_or_diathesis: false,
  head_or_facial_trauma_3m: false,
  uncontrolled_hypertension: false,
  prolonged_or_traumatic_cpr: false,
  dementia_or_intracranial_disease: false,
  recent_trauma_surgery_or_internal_bleeding: false,
  noncompressible_puncture_2w: false,
  endocarditis: false,
  pregnancy: false,
  active_peptic_ulcer: false,
  end_stage_cancer_or_severe_organ_disease: false,
  current_anticoagulant: false,
}

let seq = 0
/** A stored event `m` minutes after T0 (recordedAt = at unless given). */
export function ev(
  type: EventType,
  m: number,
  data: Record<string, unknown> = {},
  opts: { by?: string; recordedAt?: Instant; id?: string } = {},
): CaseEvent {
  seq += 1
  const at = t(m)
  return {
    id: opts.id ?? `ev-${seq}`,
    caseId: INFO.id,
    type,
    at,
    recordedAt: opts.recordedAt ?? at,
    by: opts.by ?? 'lantian',
    data,
  }
}

/** Fold events into a state on the test network. */
export const build = (
  events: CaseEvent[],
  info: CaseInfo = INFO,
  network: NetworkInfo = NETWORK,
): CaseState => fold(info, events, network)

/** The common start of a township case: FMC and door-in at Lantian at T0. */
export const townshipStart = (): CaseEvent[] => [
  ev('first_medical_contact', 0, { facilityId: 'lantian', arrivalMode: 'walk_in' }),
  ev('arrived', 0, { facilityId: 'lantian' }),
]

export interface Simulation {
  state: CaseState
  /** Every timer key fired, in firing order (repeats included). */
  fired: string[]
  effects: Effect[]
}

/**
 * Drive events through step() with live clocks (now = event time) and fire every armed timer
 * that falls due before the next event, the way the runtime does with pg-boss jobs.
 */
export function simulate(
  info: CaseInfo,
  network: NetworkInfo,
  events: { event: CaseEvent; actor: Actor }[],
  until: Instant,
): Simulation {
  let state = fold(info, [], network)
  const armed = new Map<string, TimerSpec>()
  const fired: string[] = []
  const all: Effect[] = []
  let clock = -Infinity
  let sys = 0
  const apply = (effects: Effect[], now: Instant): void => {
    for (const e of effects) {
      all.push(e)
      if (e.kind === 'armTimer') armed.set(e.timer.key, e.timer)
      else if (e.kind === 'cancelTimer') armed.delete(e.key)
      else if (e.kind === 'recordSystemEvent') {
        sys += 1
        const recorded: CaseEvent = {
          id: `sys-${sys}`,
          caseId: info.id,
          type: e.type,
          at: e.at,
          recordedAt: now,
          by: null,
          data: e.data,
        }
        state = fold(info, [...state.events, recorded], network)
        fired.push(e.data.timerKey)
      }
    }
  }
  const fireUntil = (horizon: Instant): void => {
    for (;;) {
      const next = [...armed.values()].filter((x) => x.at <= horizon).sort((a, b) => a.at - b.at)[0]
      if (!next) return
      armed.delete(next.key)
      clock = Math.max(clock, next.at)
      apply(fire(state, network, next.key, clock), clock)
    }
  }
  for (const { event, actor } of events) {
    fireUntil(event.at)
    clock = Math.max(clock, event.at)
    const r = step(state, event, actor, network, clock)
    if (!r.ok) throw new Error(`${event.type} rejected: ${r.problem.code}`)
    state = r.state
    apply(r.effects, clock)
  }
  fireUntil(until)
  return { state, fired, effects: all }
}
