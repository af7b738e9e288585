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
  const fmc = events.find((e) => e.type === 'first_medical_contact')!
  const onset = events.find((e) => e.type === 'symptom_onset')
  const created = await t.call('POST', '/api/cases', {
    token: await t.login(s.case.createdBy),
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
  for (const e of events) {
    if (e.type === 'first_medical_contact' || e.type === 'symptom_onset') continue
    const { by, ...body } = e
    for (const k of ['facilityId', 'toFacilityId']) if (k in body) body[k] = facility(body[k])
    const r = await t.call('POST', `/api/cases/${caseId}/events`, {
      token: await t.login(by),
      body: { ...body, id: crypto.randomUUID(), at: shifted(e.at) },
    })
    if (r.status !== 201) throw new Error(`${e.type} by ${by}: ${r.status} ${await r.text()}`)
  }
  return { caseId, shiftMs, shifted }
}
