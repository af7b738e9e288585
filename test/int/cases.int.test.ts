import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { LATE_GRACE_MS } from '../../workflows/runtime/timers.ts'
import { streamOnly } from '../../workflows/runtime/notifier.ts'
import { testEnv, type TestEnv } from '../harness.ts'
import { loadScenario, replayOverHttp } from '../scenarios.ts'
import { openStream } from '../sse.ts'
import { timeAnchor } from '../time-anchor.ts'
import { startWalkIn } from '../walk-in.ts'

const LANTIAN = demoId('facility:lantian')
// One anchor per test: the gaps between back-dated events do not move on a slow machine.
const { minutesAgo } = timeAnchor()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

let t: TestEnv
beforeAll(async () => {
  // The clinical core's alerts, without delivery: with the push notifier, a consult whose
  // first-line has no device escalates at once (tested in push*.int.test.ts), which these
  // replays would count as an unexpected alert.
  t = await testEnv({ compose: { notifier: streamOnly } })
})
afterAll(async () => t.close())

const startCase = (opts: { fmcMinutesAgo?: number; user?: string } = {}) =>
  startWalkIn(t, minutesAgo(opts.fmcMinutesAgo ?? 1), opts.user ? { user: opts.user } : {})

const post = async (caseId: string, user: string, body: Record<string, unknown>) =>
  t.call('POST', `/api/cases/${caseId}/events`, {
    token: await t.login(user),
    body: { id: crypto.randomUUID(), ...body },
  })

const getCase = async (caseId: string, user = 'lantian') =>
  (await t.call('GET', `/api/cases/${caseId}`, { token: await t.login(user) })).json()

describe('scenario replays through HTTP', () => {
  for (const name of [
    'anxi',
    'village-start',
    'revised-to-dissection',
    'revised-to-pericarditis',
    'lysis-routine-angiography-3h',
    'failed-lysis-pain-90',
    'shock-township-150',
  ]) {
    it(`${name}: every metric (docs/qa-api.md) and deadline verdict (docs/clinical-rules.md) as expected, no false alarm`, async () => {
      const s = loadScenario(name)
      const { caseId } = await replayOverHttp(t, s)
      const view = await getCase(caseId, 'qa')
      expect(view.metrics).toEqual(s.expected.metrics)
      const verdicts = Object.fromEntries(view.deadlines.map((d: any) => [d.rule, d.status]))
      expect(verdicts).toEqual(s.expected.deadlines)
      expect(view.phase).toBe(s.expected.phase)
      // The timeline was entered after the fact (back-dated): once the late grace has passed and
      // the timer worker has run, no deadline that was met may have raised a "missed" alert.
      await sleep(LATE_GRACE_MS + 2_000)
      const after = await getCase(caseId, 'qa')
      const met = Object.entries(s.expected.deadlines)
        .filter(([, v]) => v === 'met')
        .map(([k]) => k)
      const falseAlarms = after.events.filter(
        (e: any) => e.type === 'deadline_missed' && met.includes(e.data.rule),
      )
      expect(falseAlarms).toEqual([])
      // Replay recomputes the alerts a live entry would have raised, and shows none was recorded.
      const replay = await (
        await t.call('GET', `/api/cases/${caseId}/replay`, { token: await t.login('qa') })
      ).json()
      const expectedAlerts = (s.expected as { alerts?: string[] }).alerts ?? []
      expect(replay.expectedAlerts.map((a: any) => a.key).sort()).toEqual([...expectedAlerts].sort())
      expect(replay.unexpected).toEqual([])
    })
  }

  it('anxi: door-to-needle is 26 minutes and met', async () => {
    const { caseId } = await replayOverHttp(t, loadScenario('anxi'))
    const view = await getCase(caseId)
    expect(view.metrics.door_to_needle).toBe(26)
    expect(view.deadlines.find((d: any) => d.rule === 'door_to_needle').status).toBe('met')
  })
})

describe('late entry', () => {
  it('FMC back-dated 12 minutes with no ECG fires first_ecg within seconds, on the timeline and the stream', async () => {
    const stream = await openStream(t, await t.login('lantian'))
    try {
      const caseId = await startCase({ fmcMinutesAgo: 12 })
      const alert = await stream.waitFor(
        (e) => e.event === 'alert' && e.data.caseId === caseId && e.data.template === 'deadline_missed',
        LATE_GRACE_MS + 10_000,
      )
      expect(alert.data.rule).toBe('first_ecg')
      const view = await getCase(caseId)
      const missed = view.events.filter((e: any) => e.type === 'deadline_missed')
      expect(missed.map((e: any) => e.data.rule)).toEqual(['first_ecg'])
      // Already past due when entered: one "missed" alert, not a stale warning in the same second.
      expect(view.events.filter((e: any) => e.type === 'deadline_warning')).toEqual([])
      expect(view.deadlines.find((d: any) => d.rule === 'first_ecg').status).toBe('missed')
      expect(stream.events.some((e) => e.event === 'case' && e.data.caseId === caseId)).toBe(true)
    } finally {
      stream.close()
    }
  })
})

describe('events API', () => {
  it('is idempotent by client id: same body 200, different body 409, nothing duplicated', async () => {
    const caseId = await startCase()
    const ev = { id: crypto.randomUUID(), type: 'ecg_acquired', at: minutesAgo(0.5), facilityId: LANTIAN }
    const token = await t.login('lantian')
    const first = await t.call('POST', `/api/cases/${caseId}/events`, { token, body: ev })
    expect(first.status).toBe(201)
    const again = await t.call('POST', `/api/cases/${caseId}/events`, { token, body: ev })
    expect(again.status).toBe(200)
    expect((await again.json()).event.id).toBe(ev.id)
    const other = await t.call('POST', `/api/cases/${caseId}/events`, {
      token,
      body: { ...ev, at: minutesAgo(0.2) },
    })
    expect(other.status).toBe(409)
    const [row] = await t.sql`select count(*)::int as n from case_events where id = ${ev.id}`
    expect(row!.n).toBe(1)
  })

  it('rejects bad input with 422 naming the field and stores nothing', async () => {
    const caseId = await startCase()
    const count = async () =>
      (await t.sql`select count(*)::int as n from case_events where case_id = ${caseId}`)[0]!.n
    const before = await count()
    const future = await post(caseId, 'lantian', {
      type: 'ecg_acquired',
      at: minutesAgo(-10),
    })
    expect(future.status).toBe(422)
    expect((await future.json()).error.field).toBe('at')
    const badType = await post(caseId, 'lantian', { type: 'teleport', at: minutesAgo(0) })
    expect(badType.status).toBe(422)
    expect((await badType.json()).error.field).toBe('type')
    const badChecklist = await post(caseId, 'lantian', {
      type: 'lysis_checklist',
      at: minutesAgo(0),
      answers: { pregnancy: 'no' },
      weightKg: 65,
      drug: 'tenecteplase',
      doseMg: 35,
      doseFraction: 'full',
    })
    expect(badChecklist.status).toBe(422)
    expect((await badChecklist.json()).error.field).toMatch(/^answers\./)
    const badCase = await t.call('POST', '/api/cases', {
      token: await t.login('lantian'),
      body: { facilityId: LANTIAN, patient: { sex: 'x', age: 58 }, firstMedicalContactAt: minutesAgo(0) },
    })
    expect(badCase.status).toBe(422)
    expect((await badCase.json()).error.field).toBe('patient.sex')
    expect(await count()).toBe(before)
  })

  it('refuses a bolus after a declined decision unless overridden with a reason', async () => {
    const caseId = await startCase()
    expect(
      (await post(caseId, 'dr.chen', { type: 'diagnosis', at: minutesAgo(0.6), diagnosis: 'stemi' })).status,
    ).toBe(201)
    expect(
      (
        await post(caseId, 'dr.chen', {
          type: 'lysis_decision',
          at: minutesAgo(0.5),
          decision: 'declined',
          reason: 'recent stroke',
        })
      ).status,
    ).toBe(201)
    const bolus = {
      type: 'lysis_bolus',
      at: minutesAgo(0.2),
      drug: 'tenecteplase',
      doseMg: 35,
      doseFraction: 'full',
    }
    const refused = await post(caseId, 'lantian', bolus)
    expect(refused.status).toBe(409)
    const err = (await refused.json()).error
    expect(err.code).toBe('lysis_declined')
    expect(err.messageZh).toContain('溶栓')
    const overridden = await post(caseId, 'lantian', { ...bolus, override: { reason: '二线主任电话同意' } })
    expect(overridden.status).toBe(201)
  })

  it('lets exactly one of two simultaneous conflicting decisions win', async () => {
    const caseId = await startCase()
    const [a, b] = await Promise.all([
      post(caseId, 'dr.chen', { type: 'lysis_decision', at: minutesAgo(0), decision: 'approved' }),
      post(caseId, 'dr.lin', {
        type: 'lysis_decision',
        at: minutesAgo(0),
        decision: 'declined',
        reason: 'BP 200/120',
      }),
    ])
    expect([a.status, b.status].sort()).toEqual([201, 409])
    const view = await getCase(caseId)
    expect(view.events.filter((e: any) => e.type === 'lysis_decision')).toHaveLength(1)
  })

  it('checks who is asking: other network 404, QA cannot record, physician cannot approve', async () => {
    const caseId = await startCase()
    expect((await t.call('GET', `/api/cases/${caseId}`, { token: await t.login('township2') })).status).toBe(
      404,
    )
    expect((await t.call('GET', `/api/cases/${caseId}`, { token: await t.login('village.a') })).status).toBe(
      404,
    )
    expect((await t.call('GET', `/api/cases/${caseId}`, { token: await t.login('qa') })).status).toBe(200)
    expect((await post(caseId, 'township2', { type: 'note', at: minutesAgo(0), text: 'x' })).status).toBe(404)
    expect((await post(caseId, 'qa', { type: 'note', at: minutesAgo(0), text: 'x' })).status).toBe(403)
    const selfApproval = await post(caseId, 'lantian', {
      type: 'lysis_decision',
      at: minutesAgo(0),
      decision: 'approved',
    })
    expect(selfApproval.status).toBe(403)
    const list = await (
      await t.call('GET', '/api/cases?status=active', { token: await t.login('township2') })
    ).json()
    expect(list.cases.map((c: any) => c.id)).not.toContain(caseId)
    const mine = await (
      await t.call('GET', '/api/cases?status=active', { token: await t.login('lantian') })
    ).json()
    expect(mine.cases.map((c: any) => c.id)).toContain(caseId)
  })
})
