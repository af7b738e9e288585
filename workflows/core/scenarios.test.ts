/**
 * Scenario fixtures (fixtures/scenarios/*.json) replayed through the core: parse each event
 * as the API would, step it live, fire due timers between events, then compare phase,
 * deadlines, metrics, flags and the advice shown at the STEMI diagnosis. The same files are
 * replayed through the HTTP API by the integration tests.
 */
import { describe, expect, it } from 'vitest'
import anxi from '../../fixtures/scenarios/anxi.json' with { type: 'json' }
import villageStart from '../../fixtures/scenarios/village-start.json' with { type: 'json' }
import revisedToDissection from '../../fixtures/scenarios/revised-to-dissection.json' with { type: 'json' }
import revisedToPericarditis from '../../fixtures/scenarios/revised-to-pericarditis.json' with { type: 'json' }
import lysisAngiography3h from '../../fixtures/scenarios/lysis-routine-angiography-3h.json' with { type: 'json' }
import failedLysisPain from '../../fixtures/scenarios/failed-lysis-pain-90.json' with { type: 'json' }
import shockTownship from '../../fixtures/scenarios/shock-township-150.json' with { type: 'json' }
import type { Actor, CaseEvent, CaseInfo } from './case-model.ts'
import { plan } from './deadlines.ts'
import { parseEventInput } from './event-input.ts'
import { fold } from './fold.ts'
import { metricsOf } from './metrics.ts'
import type { NetworkInfo } from './network.ts'
import { step } from './step.ts'
import { adviseStrategy, type StrategyAdvice } from './strategy.ts'
import { simulate } from './test-support.ts'
import { timersFor } from './timers.ts'
import { parseInstant } from './time.ts'
import { workingDiagnosis } from './working-diagnosis.ts'

interface Scenario {
  name: string
  network: NetworkInfo
  users: Actor[]
  case: Omit<CaseInfo, 'patient'> & {
    patient: CaseInfo['patient']
    events: ({ id: string; type: string; at: string; by: string } & Record<string, unknown>)[]
  }
  expected: {
    evaluateAt: string
    phase: string
    adviceAtDiagnosis: Partial<StrategyAdvice>
    metrics: Record<string, number | null>
    deadlines: Record<string, string>
    alerts: string[]
    flags: string[]
  }
}

// The clinical-safety timelines (docs/clinical-rules.md) follow the two stories of the product.
const SCENARIOS = [
  anxi,
  villageStart,
  revisedToDissection,
  revisedToPericarditis,
  lysisAngiography3h,
  failedLysisPain,
  shockTownship,
] as unknown as Scenario[]

/** Parse the fixture's events exactly as the API would (body = event without `by`). */
function toEvents(s: Scenario, recordedAt?: number): { event: CaseEvent; actor: Actor }[] {
  return s.case.events.map(({ by, ...body }) => {
    const r = parseEventInput(body)
    if (!r.ok) throw new Error(`${s.name} ${body.type}: ${r.field} ${r.message}`)
    const actor = s.users.find((u) => u.id === by)
    if (!actor) throw new Error(`unknown user ${by}`)
    const event: CaseEvent = { ...r.value, caseId: s.case.id, recordedAt: recordedAt ?? r.value.at, by }
    return { event, actor }
  })
}

const infoOf = (s: Scenario): CaseInfo => ({
  id: s.case.id,
  networkId: s.case.networkId,
  facilityId: s.case.facilityId,
  patient: s.case.patient,
  createdBy: s.case.createdBy,
})

describe.each(SCENARIOS.map((s) => [s.name, s] as const))('scenario %s', (_name, s) => {
  const info = infoOf(s)
  const evaluateAt = parseInstant(s.expected.evaluateAt)!
  const live = simulate(info, s.network, toEvents(s), evaluateAt)
  const statuses = (state = live.state) =>
    Object.fromEntries(plan(state, s.network, evaluateAt).map((d) => [d.rule, d.status]))

  it('every event is accepted live', () => {
    expect(live.state.events.filter((e) => e.by !== null)).toHaveLength(s.case.events.length)
  })

  it('ends in the expected phase', () => {
    expect(live.state.phase).toBe(s.expected.phase)
  })

  it('gives the expected deadline verdicts', () => {
    expect(statuses()).toEqual(s.expected.deadlines)
  })

  it('gives the expected metrics', () => {
    expect(metricsOf(live.state).values).toEqual(s.expected.metrics)
  })

  it('raises the expected data-quality flags', () => {
    expect(live.state.flags.map((f) => f.code)).toEqual(s.expected.flags)
  })

  it('fires the expected alerts (repeats aside) and leaves no timer behind', () => {
    expect(live.fired.filter((k) => !k.includes(':repeat:'))).toEqual(s.expected.alerts)
    expect(timersFor(live.state, s.network, evaluateAt)).toEqual([])
  })

  it('advised as expected at the STEMI diagnosis', () => {
    const events = toEvents(s)
    const dx = events.findIndex(({ event }) => event.type === 'diagnosis' && event.data.diagnosis === 'stemi')
    const state = fold(
      info,
      events.slice(0, dx + 1).map((e) => e.event),
      s.network,
    )
    expect(adviseStrategy(state, s.network, events[dx]!.event.at)).toMatchObject(s.expected.adviceAtDiagnosis)
  })

  it('the advice at the end follows the working diagnosis', () => {
    const advice = adviseStrategy(live.state, s.network, evaluateAt)
    if (advice !== null) expect(workingDiagnosis(live.state.points)).toBe('stemi')
    if (s.name.startsWith('revised-to-')) expect(advice).toBeNull()
  })

  it('a case entered the next day gets the same verdicts and metrics (clinical times), flagged late', () => {
    let state = fold(info, [], s.network)
    for (const { event, actor } of toEvents(s, evaluateAt + 86_400_000)) {
      const r = step(state, event, actor, s.network, evaluateAt + 86_400_000)
      if (!r.ok) throw new Error(r.problem.code)
      state = r.state
    }
    expect(statuses(state)).toEqual(s.expected.deadlines)
    expect(metricsOf(state).values).toEqual(s.expected.metrics)
    expect(state.flags.some((f) => f.code === 'late_entry')).toBe(true)
  })
})
