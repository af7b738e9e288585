/* eslint-disable @typescript-eslint/restrict-plus-operands -- summing fields of untyped JSON responses */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { DEMO_HISTORY_USERS, historyCases, insertHistory } from '../../fixtures/history.ts'
import { DEMO_NETWORK_ID } from '../../fixtures/seed-demo.ts'
import {
  CHECKLIST_KEYS,
  METRIC_FACILITY,
  METRICS,
  registryRecord,
  withinTarget,
  type MetricKey,
  type RegistryRecord,
} from '../../workflows/core/index.ts'
import { loadNetworkInfo } from '../../workflows/runtime/store/network.ts'
import { testEnv, type TestEnv } from '../harness.ts'
import { connect, type Q } from '../../workflows/runtime/platform/connect.ts'
import { networkMetrics } from '../../workflows/runtime/store/metrics.ts'

const LANTIAN = demoId('facility:lantian')
const COUNTY = demoId('facility:county')
const MIN = 60_000

/** percentile_cont as PostgreSQL defines it (linear interpolation between closest ranks). */
function percentileCont(sorted: number[], p: number): number {
  const r = p * (sorted.length - 1)
  const lo = Math.floor(r)
  const hi = Math.ceil(r)
  return sorted[lo]! + (r - lo) * (sorted[hi]! - sorted[lo]!)
}
const r1 = (v: number) => Math.round(v * 10) / 10

/** A tiny RFC 4180 parser (quoted fields, doubled quotes, CRLF) for the export round trip. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      row.push(field)
      field = ''
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field)
      rows.push(row)
      row = []
      field = ''
      i++
    } else field += ch
  }
  if (field !== '' || row.length) rows.push([...row, field])
  return rows
}

describe('QA audit', () => {
  let t: TestEnv
  const base = Date.parse('2025-03-10T09:00:00+08:00')
  const at = (m: number) => new Date(base + m * MIN).toISOString()
  const period = 'from=2025-03-01&to=2025-04-01'
  let caseId: string
  let bolusId: string
  let qa: string

  beforeAll(async () => {
    t = await testEnv({ workers: false })
    qa = await t.login('qa')
  })
  afterAll(async () => t.close())

  const post = async (
    user: string,
    id: string,
    type: string,
    m: number,
    data: Record<string, unknown> = {},
  ) => {
    const eid = randomUUID()
    const r = await t.call('POST', `/api/cases/${id}/events`, {
      token: await t.login(user),
      body: { id: eid, type, at: at(m), ...data },
    })
    if (r.status !== 201) throw new Error(`${type}: ${r.status} ${await r.text()}`)
    return eid
  }

  it('projects a live case through the runtime; metrics match hand-computed values', async () => {
    caseId = randomUUID()
    const r = await t.call('POST', '/api/cases', {
      token: await t.login('lantian'),
      body: {
        id: caseId,
        facilityId: LANTIAN,
        patient: { sex: 'male', age: 58, weightKg: 65 },
        firstMedicalContactAt: at(0),
        arrivalMode: 'walk_in',
        symptomOnsetAt: at(-50),
      },
    })
    expect(r.status).toBe(201)
    await post('lantian', caseId, 'arrived', 1, { facilityId: LANTIAN })
    await post('lantian', caseId, 'ecg_acquired', 4)
    await post('lantian', caseId, 'ecg_transmitted', 5, { via: 'realtime' })
    await post('dr.chen', caseId, 'consult_acknowledged', 6)
    await post('dr.chen', caseId, 'diagnosis', 12, { diagnosis: 'stemi' })
    await post('dr.chen', caseId, 'strategy', 13, { strategy: 'pharmacoinvasive' })
    const answers = Object.fromEntries(CHECKLIST_KEYS.map((k) => [k, false]))
    await post('lantian', caseId, 'lysis_checklist', 14, {
      answers,
      weightKg: 65,
      drug: 'tenecteplase',
      doseMg: 35,
      doseFraction: 'full',
    })
    await post('dr.chen', caseId, 'lysis_decision', 16, { decision: 'approved' })
    bolusId = await post('lantian', caseId, 'lysis_bolus', 20, {
      drug: 'tenecteplase',
      doseMg: 35,
      doseFraction: 'full',
    })
    await post('lantian', caseId, 'transfer_decided', 22, { toFacilityId: COUNTY })
    await post('lantian', caseId, 'departed', 33.5, { facilityId: LANTIAN, toFacilityId: COUNTY })
    await post('dr.chen', caseId, 'cath_lab_activated', 60)
    await post('lantian', caseId, 'reperfusion_assessment', 85, { stResolution: true, painRelief: true })
    await post('cathlab', caseId, 'cath_lab_ready', 90)
    await post('cathlab', caseId, 'arrived', 112, { facilityId: COUNTY, bypassedEd: true })
    await post('cathlab', caseId, 'wire_crossed', 150)

    const m = await t.call('GET', `/api/metrics?${period}`, { token: qa })
    expect(m.status).toBe(200)
    const body = await m.json()
    const v = Object.fromEntries(body.metrics.map((x: any) => [x.key, x]))
    // Hand-computed from the timeline above (minutes after FMC at 09:00).
    expect(v.onset_to_fmc.median).toBe(50)
    expect(v.fmc_to_ecg.median).toBe(4)
    expect(v.ecg_to_diagnosis.median).toBe(8) // first ECG → first confirmed read
    expect(v.door_to_needle.median).toBe(19)
    expect(v.diagnosis_to_needle.median).toBe(8)
    expect(v.door_in_door_out.median).toBe(32.5)
    expect(v.door_in_door_out.withinTarget).toBe(0)
    expect(v.door_in_door_out.outsideTarget).toEqual({ count: 1, caseIds: [caseId] })
    // Door-to-wire and FMC-to-wire are primary-PCI indicators: not computed after lysis
    // (docs/clinical-rules.md, "Angiography after lysis").
    expect(v.door_to_wire.median).toBeNull()
    expect(v.cath_lab_activation.median).toBe(30)
    expect(v.cath_lab_activation.withinTarget).toBe(0) // "< 30": 30 is outside
    expect(v.fmc_to_wire.median).toBeNull()
    expect(v.lysis_to_angiography.median).toBe(130)
    expect(v.lysis_to_angiography.withinTarget).toBe(1)
    expect(v.total_ischemic_time.median).toBe(70)
    expect(v.total_ischemic_time.withinTarget).toBeNull()
    const rates = Object.fromEntries(body.rates.map((x: any) => [x.key, x]))
    expect(rates.lysis_success).toMatchObject({ numerator: 1, denominator: 1, rate: 1 })
    expect(rates.remote_ecg).toMatchObject({ numerator: 1, denominator: 1 })
    // Walk-in at the township, transferred: counts as a transfer PCI case; ED bypassed.
    expect(rates.bypass_ed).toMatchObject({ numerator: 1, denominator: 1 })

    // Per facility: D2N and DIDO belong to Lantian; no door-to-wire after lysis.
    const f = await (await t.call('GET', `/api/metrics?${period}&groupBy=facility`, { token: qa })).json()
    const by = (key: string) => f.metrics.filter((x: any) => x.key === key).map((x: any) => x.group)
    expect(by('door_to_needle')).toEqual([LANTIAN])
    expect(by('door_in_door_out')).toEqual([LANTIAN])
    expect(by('door_to_wire')).toEqual([])
  })

  it('a correction moves the aggregate at once (cache invalidated in the same transaction)', async () => {
    const before = await (await t.call('GET', `/api/metrics?${period}`, { token: qa })).json()
    const again = await (await t.call('GET', `/api/metrics?${period}`, { token: qa })).json()
    expect(again.cached).toBe(true)
    expect(again.metrics).toEqual(before.metrics)
    await post('lantian', caseId, 'correction', 200, {
      eventId: bolusId,
      changes: { at: at(25) },
      reason: 'bolus time misread from the monitor',
    })
    const after = await (await t.call('GET', `/api/metrics?${period}`, { token: qa })).json()
    expect(after.cached).toBe(false)
    const d2n = after.metrics.find((x: any) => x.key === 'door_to_needle')
    expect(d2n.median).toBe(24)
    const qaCases = await (
      await t.call('GET', `/api/qa/cases?${period}&flag=corrected`, { token: qa })
    ).json()
    expect(qaCases.cases.map((c: any) => c.caseId)).toContain(caseId)
  })

  it('QA cannot record clinical events', async () => {
    const r = await t.call('POST', `/api/cases/${caseId}/events`, {
      token: qa,
      body: { id: randomUUID(), type: 'note', at: at(300), text: 'x' },
    })
    expect(r.status).toBe(403)
  })

  it('the timeline shows amendments, deadline marks, explained flags and who viewed the case', async () => {
    await t.call('GET', `/api/cases/${caseId}`, {
      token: await t.login('dr.chen'),
      headers: { 'user-agent': 'Phone of Dr Chen' },
    })
    const r = await t.call('GET', `/api/qa/cases/${caseId}/timeline`, { token: qa })
    expect(r.status).toBe(200)
    const tl = await r.json()
    const bolus = tl.events.find((e: any) => e.id === bolusId)
    expect(bolus.at).toBe(at(25))
    expect(bolus.originalAt).toBe(at(20))
    expect(bolus.amendments).toHaveLength(1)
    expect(bolus.amendments[0].reason).toMatch(/misread/)
    expect(tl.events.some((e: any) => e.type === 'correction')).toBe(false)
    const d2n = tl.deadlines.find((d: any) => d.rule === 'door_to_needle')
    expect(d2n).toMatchObject({ status: 'met', mark: 'met' })
    const dido = tl.deadlines.find((d: any) => d.rule === 'door_in_door_out')
    expect(dido.mark).toBe('missed')
    const corrected = tl.flags.find((f: any) => f.code === 'corrected')
    expect(corrected.message.zh).toBeTruthy()
    expect(corrected.message.en).toMatch(/Corrected/)
    expect(tl.access.some((a: any) => a.device === 'Phone of Dr Chen' && a.action === 'case.view')).toBe(true)
    const access = await (await t.call('GET', '/api/qa/access', { token: qa })).json()
    expect(access.access.some((a: any) => a.entityId === caseId && a.actorName)).toBe(true)
  })

  it('exports CSV (BOM, zh/en headers) that parses back to the stored values', async () => {
    const r = await t.call('GET', `/api/export/cases.csv?${period}&header=en`, { token: qa })
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toMatch(/text\/csv/)
    const bytes = new Uint8Array(await r.arrayBuffer())
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const text = new TextDecoder().decode(bytes).slice(1)
    const rows = parseCsv(text)
    const header = rows[0]!
    expect(header).toContain('Door to needle (min)')
    const row = rows.find((x) => x[0] === caseId)!
    const col = (name: string) => row[header.indexOf(name)]
    expect(col('Door to needle (min)')).toBe('24')
    expect(col('Door-in door-out (min)')).toBe('32.5')
    expect(col('Lysis start (needle)')).toBe('2025-03-10 09:25:00')
    expect(col('Wire crossing')).toBe('2025-03-10 11:30:00')
    expect(col('Bypassed ED')).toBe('1')
    expect(col('Fibrinolytic')).toBe('tenecteplase')
    expect(col('Referring hospital')).toBe('蓝田乡卫生院')
    expect(col('Data-quality flags')).toContain('corrected')
    const zh = await t.call('GET', `/api/export/cases.csv?${period}&header=zh`, { token: qa })
    const zhHeader = parseCsv((await zh.text()).replace(/^\uFEFF/, ''))[0]!
    expect(zhHeader).toContain('进门至溶栓(分钟)')
    expect(zhHeader).toContain('决定转院时间')
    expect(zhHeader).toHaveLength(header.length)
  })

  it('FHIR bundle: right resource types, every reference resolves inside the bundle', async () => {
    const r = await t.call('GET', `/api/cases/${caseId}/fhir`, { token: qa })
    expect(r.status).toBe(200)
    const b = await r.json()
    expect(b.resourceType).toBe('Bundle')
    expect(b.type).toBe('collection')
    const types = b.entry.map((e: any) => e.resource.resourceType)
    expect(types.filter((x: string) => x === 'Patient')).toHaveLength(1)
    expect(types.filter((x: string) => x === 'Encounter')).toHaveLength(2) // Lantian + county
    expect(types).toContain('Observation')
    expect(types).toContain('MedicationAdministration')
    expect(types).toContain('Procedure')
    const urls = new Set(b.entry.map((e: any) => e.fullUrl))
    expect(urls.size).toBe(b.entry.length)
    const refs: string[] = []
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(walk)
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) {
          if (k === 'reference') refs.push(x as string)
          else walk(x)
        }
    }
    walk(b.entry)
    expect(refs.length).toBeGreaterThan(5)
    for (const ref of refs) {
      expect(ref).toMatch(/^urn:uuid:/)
      expect(urls.has(ref)).toBe(true)
    }
    const med = b.entry.find((e: any) => e.resource.resourceType === 'MedicationAdministration').resource
    expect(med.dosage.dose.value).toBe(35)
    expect(med.effectiveDateTime).toBe(at(25))
  })

  it('QA of network B sees nothing of network A', async () => {
    const qa2 = await t.login('qa2')
    const m = await (await t.call('GET', `/api/metrics?${period}`, { token: qa2 })).json()
    expect(m.metrics.every((x: any) => x.n === 0)).toBe(true)
    expect((await t.call('GET', `/api/qa/cases/${caseId}/timeline`, { token: qa2 })).status).toBe(404)
    expect((await t.call('GET', `/api/cases/${caseId}/fhir`, { token: qa2 })).status).toBe(404)
    expect((await (await t.call('GET', `/api/qa/cases?${period}`, { token: qa2 })).json()).cases).toEqual([])
    const csv = await (await t.call('GET', `/api/export/cases.csv?${period}`, { token: qa2 })).text()
    expect(csv.includes(caseId)).toBe(false)
    const access = await (await t.call('GET', '/api/qa/access', { token: qa2 })).json()
    expect(access.access.some((a: any) => a.entityId === caseId)).toBe(false)
  })

  it('township staff read only their own facility; QA endpoints are for QA and admin', async () => {
    const lantian = await t.login('lantian')
    const own = await (await t.call('GET', `/api/metrics?${period}`, { token: lantian })).json()
    expect(own.facilityId).toBe(LANTIAN)
    const keys = own.metrics.filter((x: any) => x.n > 0).map((x: any) => x.key)
    expect(keys).toContain('door_to_needle')
    expect(keys).not.toContain('door_to_wire') // the county's metric
    expect(
      (await t.call('GET', `/api/metrics?${period}&facilityId=${COUNTY}`, { token: lantian })).status,
    ).toBe(403)
    expect((await t.call('GET', `/api/qa/cases?${period}`, { token: lantian })).status).toBe(403)
    expect((await t.call('GET', `/api/export/cases.csv?${period}`, { token: lantian })).status).toBe(403)
  })
})

describe('SQL aggregates equal the pure core (property test over 200 generated timelines)', () => {
  let t: TestEnv
  beforeAll(async () => {
    t = await testEnv({ workers: false })
  })
  afterAll(async () => t.close())

  let records: RegistryRecord[] = []
  const getMetrics = async (token: string, query: string) => {
    const r = await t.call('GET', `/api/metrics?${query}`, { token })
    expect(r.status).toBe(200)
    return r.json()
  }

  /** Compare one GET /api/metrics answer with the pure core over the same records. */
  async function expectCore(
    token: string,
    records: RegistryRecord[],
    from: string,
    to: string,
    groupBy: 'none' | 'month' | 'facility',
    facilityId?: string,
  ): Promise<number> {
    const body = await getMetrics(
      token,
      `from=${from}&to=${to}&groupBy=${groupBy}&cap=500${facilityId ? `&facilityId=${facilityId}` : ''}`,
    )
    const lo = Date.parse(`${from}T00:00:00+08:00`)
    const hi = Date.parse(`${to}T00:00:00+08:00`)
    const inPeriod = records.filter((x) => x.refAt >= lo && x.refAt < hi)
    const groupOf = (x: RegistryRecord, fac: string | null) =>
      groupBy === 'month' ? x.month : groupBy === 'facility' ? fac : 'all'
    let compared = 0
    for (const agg of body.metrics) {
      const key = agg.key as MetricKey
      const facOf = (x: RegistryRecord) => x[METRIC_FACILITY[key]]
      const inGroup = inPeriod.filter(
        (x) => groupOf(x, facOf(x)) === agg.group && (!facilityId || facOf(x) === facilityId),
      )
      const valued = inGroup.filter((x) => x.metrics[key] !== null && !x.flaggedMetrics.includes(key))
      const values = valued.map((x) => x.metrics[key]!).sort((a, b) => a - b)
      expect(agg.n).toBe(values.length)
      const flagged = inGroup.filter((x) => x.flaggedMetrics.includes(key)).map((x) => x.caseId)
      expect(agg.flagged.count).toBe(flagged.length)
      expect([...agg.flagged.caseIds].sort()).toEqual(flagged.sort())
      if (!values.length) continue
      compared++
      expect(agg.median).toBeCloseTo(r1(percentileCont(values, 0.5)), 5)
      expect(agg.p90).toBeCloseTo(r1(percentileCont(values, 0.9)), 5)
      // The mean is exact (numeric sum), rounded half up; the float sum here may differ by one step.
      expect(Math.abs(agg.mean - r1(values.reduce((a, b) => a + b, 0) / values.length))).toBeLessThanOrEqual(
        0.1 + 1e-9,
      )
      const target = METRICS.find((m) => m.key === key)!.target
      if (target) {
        const ok = values.filter((x) => withinTarget(key, x)).length
        expect(agg.withinTarget).toBeCloseTo(Math.round((ok / values.length) * 1000) / 1000, 5)
        expect(agg.outsideTarget.count).toBe(values.length - ok)
        const outside = valued.filter((x) => !withinTarget(key, x.metrics[key]!)).map((x) => x.caseId)
        expect([...agg.outsideTarget.caseIds].sort()).toEqual(outside.sort())
      } else expect(agg.withinTarget).toBeNull()
    }
    // Rates: bypass ED among ambulance/transfer PCI cases, lysis success, remote ECG among STEMI.
    const rateDefs = {
      bypass_ed: (x: RegistryRecord) =>
        x.wire !== null &&
        (x.arrivalMode === 'ambulance' || x.arrivalMode === 'transfer' || x.referralDoorOut !== null)
          ? { fac: x.countyFacilityId, yes: x.bypassedEd === true }
          : null,
      lysis_success: (x: RegistryRecord) =>
        x.lysisStart !== null ? { fac: x.lysisFacilityId, yes: x.reperfusion === true } : null,
      remote_ecg: (x: RegistryRecord) =>
        x.stemi ? { fac: x.fmcFacilityId, yes: x.ecgTransmitted !== null } : null,
    }
    for (const rate of body.rates) {
      const def = rateDefs[rate.key as keyof typeof rateDefs]
      const den = inPeriod
        .map((x) => ({ x, d: def(x) }))
        .filter(({ x, d }) => d && groupOf(x, d.fac) === rate.group && (!facilityId || d.fac === facilityId))
      expect(rate.denominator).toBe(den.length)
      expect(rate.numerator).toBe(den.filter(({ d }) => d!.yes).length)
    }
    return compared
  }

  it('n, mean, median, p90, share within target and flagged lists agree per month and facility', async () => {
    const network = await loadNetworkInfo(t.sql, DEMO_NETWORK_ID)
    const until = Date.parse('2024-07-01T00:00:00+08:00')
    const cases = historyCases(network, DEMO_HISTORY_USERS, { months: 3, count: 200, until, seed: 7 })
    await t.sql.begin((tx) => insertHistory(tx, cases, network))
    records = cases.map((c) => registryRecord(c.state, network, c.state.events[0]!.recordedAt))
    // The generator produced the variety the test is about.
    expect(records.some((r) => r.corrected)).toBe(true)
    expect(records.some((r) => r.flagCodes.includes('out_of_order'))).toBe(true)
    expect(records.some((r) => r.flagCodes.includes('missing_time_point'))).toBe(true)
    expect(records.some((r) => r.enteredLate)).toBe(true)

    const qa = await t.login('qa')
    const compared = await expectCore(qa, records, '2024-01-01', '2024-07-01', 'month')
    expect(compared).toBeGreaterThan(20)

    // Per facility: each metric is counted once, at the facility accountable for it.
    const f = await getMetrics(qa, 'from=2024-01-01&to=2024-07-01&groupBy=facility')
    const m = await getMetrics(qa, 'from=2024-01-01&to=2024-07-01&groupBy=month')
    const total = (key: string, rows: any[]) =>
      rows.filter((x: any) => x.key === key).reduce((a: number, x: any) => a + x.n, 0)
    for (const d of METRICS) expect(total(d.key, f.metrics)).toBe(total(d.key, m.metrics))
  })

  it('whole months (rollup) and partial months (case_metrics), every grouping, a facility filter: all agree', async () => {
    const qa = await t.login('qa')
    // Whole months from the rollup, the edges (Apr 10–30, Jun 1–19) from case_metrics.
    for (const groupBy of ['none', 'month', 'facility'] as const)
      expect(await expectCore(qa, records, '2024-04-10', '2024-06-20', groupBy)).toBeGreaterThan(0)
    // Inside one month only (no whole month: every value from case_metrics).
    expect(await expectCore(qa, records, '2024-05-03', '2024-05-27', 'facility')).toBeGreaterThan(0)
    // Whole months only (the rollup alone), every grouping, with and without a facility.
    for (const groupBy of ['none', 'month', 'facility'] as const) {
      expect(await expectCore(qa, records, '2024-04-01', '2024-07-01', groupBy)).toBeGreaterThan(0)
      expect(await expectCore(qa, records, '2024-04-01', '2024-07-01', groupBy, LANTIAN)).toBeGreaterThan(0)
    }
  })

  it('computes the same answer on one backend as on three sharing its snapshot', async () => {
    // A pool of 10 lends two connections (three lanes); a pool of 2 lends none (withHelpers).
    const one = connect(t.url, 2)
    try {
      for (const groupBy of ['none', 'month', 'facility'] as const)
        for (const cap of [0, 500]) {
          const m = {
            networkId: DEMO_NETWORK_ID,
            from: new Date('2024-01-01T00:00:00+08:00'),
            to: new Date('2024-07-01T00:00:00+08:00'),
            groupBy,
            cap,
          }
          await t.sql`delete from metrics_cache`
          const three = await networkMetrics(t.sql, m)
          await t.sql`delete from metrics_cache`
          const single = await networkMetrics(one, m)
          expect(three.cached || single.cached).toBe(false)
          expect(three.metrics.some((a) => a.median !== null)).toBe(true)
          expect({ ...three, asOf: null }).toEqual({ ...single, asOf: null })
        }
      // Many at once on small pools: borrowers never take the last connections (no deadlock).
      for (const max of [3, 4]) {
        const small = connect(t.url, max)
        try {
          await t.sql`delete from metrics_cache`
          const all = await Promise.all(
            Array.from({ length: 8 }, (_, i) =>
              networkMetrics(small, {
                networkId: DEMO_NETWORK_ID,
                from: new Date('2024-01-01T00:00:00+08:00'),
                to: new Date('2024-07-01T00:00:00+08:00'),
                groupBy: (['none', 'month', 'facility'] as const)[i % 3]!,
                cap: i,
              }),
            ),
          )
          expect(all.every((r) => r.metrics.length > 0)).toBe(true)
        } finally {
          await small.end()
        }
      }
    } finally {
      await one.end()
    }
  })

  it('the rollup equals a rebuild from case_metrics after updates and deletes', async () => {
    const mismatches = async (q: Q) =>
      (
        await q`
        with fresh as (
          select m.network_id, m.month, v.key, s.net, case when s.net then null else v.facility_id end as facility_id,
                 v.flagged, v.val, count(*)::int8 as n
            from case_metrics m cross join lateral metric_values(m) v cross join (values (false), (true)) s(net)
           group by 1, 2, 3, 4, 5, 6, 7
        ), stored as (select network_id, month, key, net, facility_id, flagged, val, n from metric_rollup)
        (select * from fresh except all select * from stored)
        union all (select * from stored except all select * from fresh)`
      ).length
    expect(await mismatches(t.sql)).toBe(0)
    // Mutate inside a transaction that rolls back: the later tests see the generated history.
    await t.sql
      .begin(async (tx) => {
        const [one] = await tx<{ case_id: string }[]>`
          select case_id from case_metrics where door_to_needle is not null order by case_id limit 1`
        await tx`update case_metrics set door_to_needle = door_to_needle + 7.3,
                   flagged_metrics = flagged_metrics || '{fmc_to_ecg}' where case_id = ${one!.case_id}`
        await tx`update case_metrics set month = (month - interval '1 month')::date
                   where case_id in (select case_id from case_metrics order by case_id limit 5)`
        expect(await mismatches(tx)).toBe(0)
        await tx`delete from case_metrics where case_id in (select case_id from case_metrics order by case_id desc limit 3)`
        expect(await mismatches(tx)).toBe(0)
        // Emptied cells are deleted, not left at zero.
        expect((await tx`select 1 from metric_rollup where n <= 0`).length).toBe(0)
        throw new Error('rollback')
      })
      .catch((e: unknown) => {
        if (!(e instanceof Error && e.message === 'rollback')) throw e
      })
    expect(await mismatches(t.sql)).toBe(0)
  })

  it('the set-based rebuild (migration 0018) equals what the triggers maintained, corrections included', async () => {
    // Both tables, every column, as multisets: the rows the triggers left, then the rebuild's.
    const snapshot = async (q: Q) => ({
      rollup: await q`select network_id, month::text, key, net, facility_id, flagged, val, n::text
                        from metric_rollup order by 1, 2, 3, 4, 5, 6, 7`,
      bins: await q`select network_id, month::text, key, net, facility_id, flagged, bin, n::text, n_lo::text,
                           trim_scale(total)::text as total
                      from metric_bins order by 1, 2, 3, 4, 5, 6, 7`,
    })
    await t.sql
      .begin(async (tx) => {
        // The generated history holds corrected cases; move more values through the triggers
        // (an update that flags a metric, a month change, deletes) before comparing.
        expect((await tx`select 1 from case_metrics where corrected`).length).toBeGreaterThan(0)
        await tx`update case_metrics set door_in_door_out = door_in_door_out + 11.1,
                   flagged_metrics = flagged_metrics || '{door_to_needle}'
                 where case_id in (select case_id from case_metrics where door_in_door_out is not null
                                    order by case_id limit 4)`
        await tx`update case_metrics set month = (month + interval '1 month')::date
                   where case_id in (select case_id from case_metrics order by case_id desc limit 6)`
        await tx`delete from case_metrics where case_id in (select case_id from case_metrics order by case_id limit 2)`
        const byTriggers = await snapshot(tx)
        expect(byTriggers.rollup.length).toBeGreaterThan(100)
        expect(byTriggers.bins.length).toBeGreaterThan(50)
        await tx`select metric_rollup_rebuild()`
        const rebuilt = await snapshot(tx)
        expect(rebuilt.rollup).toEqual(byTriggers.rollup)
        expect(rebuilt.bins).toEqual(byTriggers.bins)
        throw new Error('rollback')
      })
      .catch((e: unknown) => {
        if (!(e instanceof Error && e.message === 'rollback')) throw e
      })
  })

  it('audit sample: seeded, reproducible draw per facility; disagreement = more than 2 minutes apart', async () => {
    const qa = await t.login('qa')
    const draw = async () =>
      (
        await t.call('POST', '/api/qa/audit-samples', {
          token: qa,
          body: { month: '2024-05', perFacility: 2, seed: 'audit-2024-05' },
        })
      ).json()
    const a = await draw()
    const b = await draw()
    expect(a.cases).toBeGreaterThan(0)
    const sa = await (await t.call('GET', `/api/qa/audit-samples/${a.id}`, { token: qa })).json()
    const sb = await (await t.call('GET', `/api/qa/audit-samples/${b.id}`, { token: qa })).json()
    expect(sb.cases).toEqual(sa.cases) // same seed, same draw
    const perFacility = new Map<string, number>()
    for (const c of sa.cases) perFacility.set(c.facilityId, (perFacility.get(c.facilityId) ?? 0) + 1)
    expect(Math.max(...perFacility.values())).toBeLessThanOrEqual(2)
    const caseId = sa.cases[0].caseId
    const [row] = await t.sql<{ fmc: Date }[]>`select fmc from case_metrics where case_id = ${caseId}`
    const put = (timePoint: string, paperValue: string | null) =>
      t.call('POST', `/api/qa/audit-samples/${a.id}/abstractions`, {
        token: qa,
        body: { caseId, timePoint, paperValue },
      })
    const near = await put('fmc', new Date(row!.fmc.getTime() + 2 * MIN).toISOString())
    expect(near.status).toBe(201)
    expect((await near.json()).agrees).toBe(true)
    expect((await (await put('wire', '2024-05-01T00:00:00+08:00')).json()).agrees).toBe(false)
    const report = await (await t.call('GET', `/api/qa/audit-samples/${a.id}`, { token: qa })).json()
    expect(report).toMatchObject({
      compared: 2,
      disagreements: 1,
      disagreementRate: 0.5,
      toleranceMinutes: 2,
    })
    const other = await t.login('qa2')
    expect((await t.call('GET', `/api/qa/audit-samples/${a.id}`, { token: other })).status).toBe(404)
  })

  it('quality summary per facility counts the flags of the generated history', async () => {
    const qa = await t.login('qa')
    const q = await (
      await t.call('GET', '/api/qa/quality?from=2024-01-01&to=2024-07-01', { token: qa })
    ).json()
    const total = q.facilities.reduce((n: number, f: any) => n + f.cases, 0)
    expect(total).toBe(200)
    expect(q.facilities.some((f: any) => (f.byFlag.late_entry ?? 0) > 0)).toBe(true)
  })
})
