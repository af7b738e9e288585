/**
 * The PWA's merge of server events and outbox items reaches the server's deadline verdicts:
 * the scenario fixtures (the same files workflows/core/scenarios.test.ts and the HTTP replays
 * use) are fed in as stored events, as offline taps, and split between the two.
 */
import { describe, expect, it } from 'vitest'
import anxi from '../../fixtures/scenarios/anxi.json' with { type: 'json' }
import villageStart from '../../fixtures/scenarios/village-start.json' with { type: 'json' }
import type { CaseEvent, NetworkInfo } from './api.ts'
import { foldCase, type CaseHead, type LocalItem } from './case-fold.ts'

interface Scenario {
  name: string
  network: {
    id: string
    facilities: {
      id: string
      name: string
      level: 'village' | 'township' | 'county'
      canLyse: boolean
      hasCathLab: boolean
      lysisDrugs: string[]
    }[]
    travel: { from: string; to: string; minutes: number }[]
    expectedDoorToWireMinutes: number
  }
  case: {
    id: string
    networkId: string
    facilityId: string
    createdBy: string
    patient: { sex: 'male' | 'female'; age: number; weightKg?: number }
    events: ({ id: string; type: string; at: string; by: string } & Record<string, unknown>)[]
  }
  expected: { evaluateAt: string; deadlines: Record<string, string> }
}

const SCENARIOS = [anxi, villageStart] as unknown as Scenario[]

/** `GET /api/network` as the PWA receives it. */
const wireNetwork = (s: Scenario): NetworkInfo => ({
  network: {
    id: s.network.id,
    name: s.network.id,
    nameEn: null,
    settings: { expectedDoorToWireMinutes: s.network.expectedDoorToWireMinutes },
  } as NetworkInfo['network'],
  facilities: s.network.facilities.map((f) => ({
    ...f,
    nameEn: null,
  })) as unknown as NetworkInfo['facilities'],
  travel: s.network.travel,
  rota: [],
})

const head = (s: Scenario): CaseHead => ({
  id: s.case.id,
  networkId: s.case.networkId,
  facilityId: s.case.facilityId,
  patient: s.case.patient,
  createdBy: s.case.createdBy,
})

/** A stored event as `GET /api/cases/:id` lists it. */
const stored = ({ id, type, at, by, ...data }: Scenario['case']['events'][number]): CaseEvent => ({
  id,
  type: type as CaseEvent['type'],
  at: new Date(at).toISOString(),
  recordedAt: new Date(at).toISOString(),
  by,
  data,
})

/** An outbox item: the body the tablet posts. */
const queued =
  (pending: boolean) =>
  ({ by: _by, ...body }: Scenario['case']['events'][number]): LocalItem => ({
    id: body.id,
    kind: 'event',
    body,
    createdAt: body.at,
    pending,
  })

const verdicts = (deadlines: { rule: string; status: string }[]) =>
  Object.fromEntries(deadlines.map((d) => [d.rule, d.status]))

describe.each(SCENARIOS.map((s) => [s.name, s] as const))('scenario %s through the PWA merge', (_n, s) => {
  const now = Date.parse(s.expected.evaluateAt)
  const net = wireNetwork(s)
  const evs = s.case.events
  const half = Math.floor(evs.length / 2)
  const third = Math.floor(evs.length / 3)

  it.each([
    ['all stored on the server', evs.map(stored), []],
    ['all still in the outbox (recorded offline)', [], evs.map(queued(true))],
    [
      'first half stored, the rest in the outbox',
      evs.slice(0, half).map(stored),
      evs.slice(half).map(queued(true)),
    ],
    [
      'stored, sent but not yet re-read, and pending',
      evs.slice(0, third).map(stored),
      [...evs.slice(third, 2 * third).map(queued(false)), ...evs.slice(2 * third).map(queued(true))],
    ],
    [
      'a sync in flight: the server copy and the outbox both hold some events',
      evs.slice(0, half + 2).map(stored),
      evs.slice(half).map(queued(false)),
    ],
  ] as const)('%s: the server’s verdicts', (_what, server, local) => {
    const f = foldCase(head(s), server, local, net, now)
    expect(verdicts(f.deadlines)).toEqual(s.expected.deadlines)
    // Every event exactly once on the timeline.
    expect(f.timeline.map((e) => e.id).sort()).toEqual(evs.map((e) => e.id).sort())
  })
})

describe('corrections and offline starts', () => {
  const s = SCENARIOS[0]!
  const net = wireNetwork(s)
  const fmc = s.case.events.find((e) => e.type === 'first_medical_contact')!
  const ecg = s.case.events.find((e) => e.type === 'ecg_acquired')!

  it('a correction (even one still in the outbox) moves the time point and its deadline', () => {
    const correction: LocalItem = {
      id: '00000000-0000-4000-8000-000000000001',
      kind: 'event',
      body: {
        id: '00000000-0000-4000-8000-000000000001',
        type: 'correction',
        at: '2022-11-26T13:30:00+08:00',
        eventId: ecg.id,
        changes: { at: '2022-11-26T13:25:00+08:00' },
        reason: 'ECG time misread',
      },
      createdAt: '2022-11-26T13:30:00+08:00',
      pending: true,
    }
    const now = Date.parse('2022-11-26T13:31:00+08:00')
    const before = foldCase(head(s), [fmc, ecg].map(stored), [], net, now)
    expect(before.latest('ecg_acquired')?.at).toBe(new Date('2022-11-26T13:12:00+08:00').toISOString())
    expect(before.deadlines.find((d) => d.rule === 'first_ecg')?.status).toBe('met')
    const after = foldCase(head(s), [fmc, ecg].map(stored), [correction], net, now)
    expect(after.latest('ecg_acquired')?.at).toBe(new Date('2022-11-26T13:25:00+08:00').toISOString())
    expect(after.deadlines.find((d) => d.rule === 'first_ecg')?.status).toBe('missed')
  })

  it('a case started offline has the core’s deadlines from its first contact and arrival', () => {
    const start: LocalItem = {
      id: s.case.id,
      kind: 'case',
      body: {
        id: s.case.id,
        facilityId: 'lantian',
        patient: s.case.patient,
        firstMedicalContactAt: '2022-11-26T13:09:00+08:00',
        arrivalMode: 'walk_in',
      },
      createdAt: '2022-11-26T13:09:00+08:00',
      pending: true,
    }
    const arrived = queued(true)(s.case.events.find((e) => e.type === 'arrived')!)
    const f = foldCase(head(s), [], [start, arrived], net, Date.parse('2022-11-26T13:10:00+08:00'))
    const byRule = Object.fromEntries(f.deadlines.map((d) => [d.rule, d]))
    expect(byRule.first_ecg).toMatchObject({ status: 'pending', startAt: new Date(fmc.at).toISOString() })
    expect(Date.parse(byRule.first_ecg!.dueAt) - Date.parse(fmc.at)).toBe(10 * 60_000)
    // At a lysis unit, door-to-needle counts from the door before any sign of the lysis path,
    // as on the server (workflows/core/rule-anchors.ts, possibleLysisUnitId).
    expect(byRule.door_to_needle).toMatchObject({
      status: 'pending',
      startAt: new Date(arrived.body.at as string).toISOString(),
    })
    expect(f.latest('first_medical_contact')?.pending).toBe(true)
    // Once the server has the case, its own first-contact event replaces the local one.
    const synced = foldCase(head(s), [stored(fmc)], [{ ...start, pending: false }, arrived], net, 0)
    expect(synced.timeline.filter((e) => e.type === 'first_medical_contact')).toHaveLength(1)
    expect(synced.latest('first_medical_contact')?.id).toBe(fmc.id)
  })
})
