import fs from 'node:fs'
import path from 'node:path'
import { demoId } from '../fixtures/demo-network.ts'
import type { TestEnv } from './harness.ts'

export interface ScenarioEvent {
  id: string
  type: string
  at: string
  by: string
  [k: string]: unknown
}

export interface Scenario {
  name: string
  case: {
    id: string
    facilityId: string
    patient: { sex: 'male' | 'female'; age: number; weightKg?: number }
    createdBy: string
    events: ScenarioEvent[]
  }
  expected: {
    phase: string
    metrics: Record<string, number | null>
    deadlines: Record<string, 'met' | 'missed' | 'pending'>
    adviceAtDiagnosis?: Record<string, unknown>
  }
}

export function loadScenario(name: string): Scenario {
  return JSON.parse(
    fs.readFileSync(path.resolve(import.meta.dirname, `../fixtures/scenarios/${name}.json`), 'utf8'),
  ) as Scenario
}

/** Scenario facility keys are the demo network's keys ("lantian", "county", "lantian-v1"). */
const facility = (key: unknown) => (typeof key === 'string' ? demoId(`facility:${key}`) : key)

/**
 * Replay a scenario timeline through the real HTTP API as the people named in it, shifted in
 * time so that its last event happened `endsAgoMs` before now (clinical times are back-dated,
 * as in offline capture). Returns the case id and the shift applied.
 */
export async function replayOverHttp(
  t: TestEnv,
  s: Scenario,
  opts: { endsAgoMs?: number; caseId?: string } = {},
): Promise<{ caseId: string; shiftMs: number; shifted: (iso: string) => string }> {
  const events = s.case.events
  const last = Math.max(...events.map((e) => Date.parse(e.at)))
  const shiftMs = Date.now() - (opts.endsAgoMs ?? 60_000) - last
  const shifted = (iso: string) => new Date(Date.parse(iso) + shiftMs).toISOString()
  const caseId = opts.caseId ?? crypto.randomUUID()
  // The timeline is back-dated: deadlines already past are due the moment the case exists and
  // fire after the late grace unless the events that meet them are stored by then. So everything
  // slow happens before the case is created (sign-ins hash passwords), and the events go as the
  // tablet's outbox sends them after a dead zone: in batches (POST /api/sync), one per run of
  // events by the same person.
  const tokens = new Map<string, string>()
  for (const who of new Set([s.case.createdBy, ...events.map((e) => e.by)]))
    tokens.set(who, await t.login(who))
  const fmc = events.find((e) => e.type === 'first_medical_contact')!
  const onset = events.find((e) => e.type === 'symptom_onset')
  const created = await t.call('POST', '/api/cases', {
    token: tokens.get(s.case.createdBy)!,
    body: {
      id: caseId,
      facilityId: facility(fmc.facilityId ?? s.case.facilityId),
      patient: s.case.patient,
      firstMedicalContactAt: shifted(fmc.at),
      arrivalMode: fmc.arrivalMode,
      ...(onset
        ? { symptomOnsetAt: shifted(onset.at), symptomOnsetApproximate: onset.approximate === true }
        : {}),
    },
  })
  if (created.status !== 201) throw new Error(`create: ${created.status} ${await created.text()}`)
  const runs: { by: string; items: { kind: 'event'; caseId: string; body: Record<string, unknown> }[] }[] = []
  for (const e of events) {
    if (e.type === 'first_medical_contact' || e.type === 'symptom_onset') continue
    const { by, ...body } = e
    for (const k of ['facilityId', 'toFacilityId']) if (k in body) body[k] = facility(body[k])
    const item = {
      kind: 'event' as const,
      caseId,
      body: { ...body, id: crypto.randomUUID(), at: shifted(e.at) },
    }
    const run = runs.at(-1)
    if (run?.by === by) run.items.push(item)
    else runs.push({ by, items: [item] })
  }
  for (const run of runs) {
    const r = await t.call('POST', '/api/sync', { token: tokens.get(run.by)!, body: { items: run.items } })
    const text = await r.text()
    if (r.status !== 200) throw new Error(`sync by ${run.by}: ${r.status} ${text}`)
    const { results } = JSON.parse(text) as { results: { outcome: string }[] }
    const notStored = results.flatMap((x, i) =>
      x.outcome === 'stored' ? [] : [`${String(run.items[i]?.body.type)}: ${JSON.stringify(x)}`],
    )
    if (notStored.length) throw new Error(`sync by ${run.by}: ${notStored.join('; ')}`)
  }
  return { caseId, shiftMs, shifted }
}
