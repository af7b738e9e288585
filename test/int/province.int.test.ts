import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { DEMO_HISTORY_USERS, historyCases, insertHistory } from '../../fixtures/history.ts'
import { DEMO_NETWORK_ID, SECOND_NETWORK_ID } from '../../fixtures/seed-demo.ts'
import {
  METRIC_FACILITY,
  METRICS,
  registryRecord,
  withinTarget,
  type MetricKey,
  type RegistryRecord,
} from '../../workflows/core/index.ts'
import { connect } from '../../workflows/runtime/platform/connect.ts'
import { onSnapshot, provinceMetrics, provincePooled } from '../../workflows/runtime/store/metrics.ts'
import { refreshNetworkMetrics } from '../../workflows/runtime/metrics-refresh.ts'
import { loadNetworkInfo } from '../../workflows/runtime/store/network.ts'
import { testEnv, type TestEnv } from '../harness.ts'

/** percentile_cont as PostgreSQL defines it (linear interpolation between closest ranks). */
function percentileCont(sorted: number[], p: number): number {
  const r = p * (sorted.length - 1)
  const lo = Math.floor(r)
  const hi = Math.ceil(r)
  return sorted[lo]! + (r - lo) * (sorted[hi]! - sorted[lo]!)
}
const r1 = (v: number) => Math.round(v * 10) / 10

describe('GET /api/province/metrics: pooled QA aggregates of the granted networks', () => {
  let t: TestEnv
  const records: RegistryRecord[] = []
  const period = 'from=2024-01-01&to=2024-07-01'
  const until = Date.parse('2024-07-01T00:00:00+08:00')

  beforeAll(async () => {
    t = await testEnv({ workers: false })
    // History in both networks (the fixture's users record; the cases belong to each network).
    for (const [networkId, seed, count] of [
      [DEMO_NETWORK_ID, 7, 150],
      [SECOND_NETWORK_ID, 8, 90],
    ] as const) {
      const network = await loadNetworkInfo(t.sql, networkId)
      const cases = historyCases(network, DEMO_HISTORY_USERS, { months: 6, count, until, seed })
      await t.sql.begin((tx) => insertHistory(tx, cases, network))
      records.push(...cases.map((c) => registryRecord(c.state, network, c.state.events[0]!.recordedAt)))
    }
    expect(new Set(records.map((r) => r.networkId)).size).toBe(2)
  })
  afterAll(async () => t.close())

  const grant = (username: string, networkId: string) => t.sql`
    insert into qa_network_grants (user_id, network_id, granted_by)
    select u.id, ${networkId}, ${demoId('user:admin')} from users u where u.username = ${username}`

  it('refuses without a grant, and refuses roles other than QA even with one', async () => {
    expect(
      (await t.call('GET', `/api/province/metrics?${period}`, { token: await t.login('qa') })).status,
    ).toBe(403)
    expect(
      (await t.call('GET', `/api/province/metrics?${period}`, { token: await t.login('qa2') })).status,
    ).toBe(403)
    await grant('dr.chen', SECOND_NETWORK_ID)
    const chen = await t.call('GET', `/api/province/metrics?${period}`, { token: await t.login('dr.chen') })
    expect(chen.status).toBe(403)
    expect((await chen.json()).error.code).toBe('forbidden')
    expect((await t.call('GET', `/api/province/metrics?${period}`, {})).status).toBe(401)
  })

  it('bad input names the field', async () => {
    await grant('qa', SECOND_NETWORK_ID)
    const r = await t.call('GET', `/api/province/metrics?${period}&groupBy=county`, {
      token: await t.login('qa'),
    })
    expect(r.status).toBe(422)
    expect((await r.json()).error.field).toBe('groupBy')
    for (const maxAge of ['-1', '3601', 'soon']) {
      const m = await t.call('GET', `/api/province/metrics?${period}&maxAge=${maxAge}`, {
        token: await t.login('qa'),
      })
      expect(m.status).toBe(422)
      expect((await m.json()).error.field).toBe('maxAge')
    }
  })

  it('pooled n, median, p90, within target and flagged counts equal the core, every grouping; no case ids', async () => {
    const qa = await t.login('qa')
    const lo = Date.parse('2024-01-01T00:00:00+08:00')
    const inPeriod = records.filter((x) => x.refAt >= lo && x.refAt < until)
    let compared = 0
    for (const groupBy of ['network', 'month', 'facility', 'none'] as const) {
      const r = await t.call('GET', `/api/province/metrics?${period}&groupBy=${groupBy}`, { token: qa })
      expect(r.status).toBe(200)
      const body = await r.json()
      expect(body.networkIds).toEqual([DEMO_NETWORK_ID, SECOND_NETWORK_ID].sort())
      expect(Date.now() - Date.parse(body.asOf)).toBeLessThan(300_000)
      // Every group is named: the networks and the facilities of the scope, from the database.
      const named = await t.sql<{ id: string; name: string }[]>`
        select id, name from networks where id = any(${body.networkIds}::uuid[])
        union all select id, name from facilities where network_id = any(${body.networkIds}::uuid[])`
      expect(
        Object.fromEntries(Object.entries(body.names).map(([id, n]: [string, any]) => [id, n.name])),
      ).toEqual(Object.fromEntries(named.map((x) => [x.id, x.name])))
      if (groupBy === 'network' || groupBy === 'facility')
        for (const g of body.metrics.map((m: any) => m.group))
          if (g !== null) expect(body.names[g]).toBeDefined()
      const groupOf = (x: RegistryRecord, key: MetricKey) =>
        groupBy === 'network'
          ? x.networkId
          : groupBy === 'month'
            ? x.month
            : groupBy === 'facility'
              ? x[METRIC_FACILITY[key]]
              : 'all'
      if (groupBy === 'network')
        expect(new Set(body.metrics.map((m: any) => m.group))).toEqual(
          new Set([DEMO_NETWORK_ID, SECOND_NETWORK_ID]),
        )
      for (const agg of body.metrics) {
        const key = agg.key as MetricKey
        expect(agg.outsideTarget.caseIds).toEqual([])
        expect(agg.flagged.caseIds).toEqual([])
        const inGroup = inPeriod.filter((x) => groupOf(x, key) === agg.group)
        const values = inGroup
          .filter((x) => x.metrics[key] !== null && !x.flaggedMetrics.includes(key))
          .map((x) => x.metrics[key]!)
          .sort((a, b) => a - b)
        expect(agg.n).toBe(values.length)
        expect(agg.flagged.count).toBe(inGroup.filter((x) => x.flaggedMetrics.includes(key)).length)
        if (!values.length) continue
        compared++
        expect(agg.median).toBeCloseTo(r1(percentileCont(values, 0.5)), 5)
        expect(agg.p90).toBeCloseTo(r1(percentileCont(values, 0.9)), 5)
        const target = METRICS.find((m) => m.key === key)!.target
        if (target) {
          const ok = values.filter((x) => withinTarget(key, x)).length
          expect(agg.outsideTarget.count).toBe(values.length - ok)
        }
      }
      // Pooled, not averaged: the province's n is the sum over its networks.
      if (groupBy === 'none') {
        const fmc = body.metrics.find((m: any) => m.key === 'fmc_to_ecg')
        expect(fmc.n).toBe(
          inPeriod.filter((x) => x.metrics.fmc_to_ecg !== null && !x.flaggedMetrics.includes('fmc_to_ecg'))
            .length,
        )
      }
    }
    expect(compared).toBeGreaterThan(40)
  })

  it('a partial-month period (read from case_metrics) agrees with the core as well', async () => {
    const qa = await t.login('qa')
    const body = await (
      await t.call('GET', '/api/province/metrics?from=2024-03-10&to=2024-05-20&groupBy=network', {
        token: qa,
      })
    ).json()
    const lo = Date.parse('2024-03-10T00:00:00+08:00')
    const hi = Date.parse('2024-05-20T00:00:00+08:00')
    for (const agg of body.metrics) {
      const key = agg.key as MetricKey
      const values = records
        .filter((x) => x.networkId === agg.group && x.refAt >= lo && x.refAt < hi)
        .filter((x) => x.metrics[key] !== null && !x.flaggedMetrics.includes(key))
        .map((x) => x.metrics[key]!)
        .sort((a, b) => a - b)
      expect(agg.n).toBe(values.length)
      if (values.length) expect(agg.median).toBeCloseTo(r1(percentileCont(values, 0.5)), 5)
    }
  })

  it('revoking the grant refuses at once', async () => {
    await t.sql`delete from qa_network_grants where network_id = ${SECOND_NETWORK_ID}`
    expect(
      (await t.call('GET', `/api/province/metrics?${period}`, { token: await t.login('qa') })).status,
    ).toBe(403)
  })

  it("shares its percentile lookups with a second transaction that reads the first one's snapshot", async () => {
    // What provinceMetrics relies on: the helper transaction sees the exporting transaction's
    // data, not what was committed after the export.
    const before = await t.sql.begin('isolation level repeatable read read only', async (tx) => {
      const [{ snapshot } = { snapshot: '' }] = await tx<
        { snapshot: string }[]
      >`select pg_export_snapshot() as snapshot`
      const [{ v } = { v: '' }] = await tx<
        { v: string }[]
      >`select version::text as v from qa_versions where network_id = ${DEMO_NETWORK_ID}`
      await t.sql`update qa_versions set version = version + 1 where network_id = ${DEMO_NETWORK_ID}`
      const seen = await onSnapshot(t.sql, snapshot, async (tx2) => {
        const [row] = await tx2<
          { v: string }[]
        >`select version::text as v from qa_versions where network_id = ${DEMO_NETWORK_ID}`
        return row!
      })
      return { v, seen: seen.v }
    })
    expect(before.seen).toBe(before.v)
    const [{ now } = { now: '' }] = await t.sql<
      { now: string }[]
    >`select version::text as now from qa_versions where network_id = ${DEMO_NETWORK_ID}`
    expect(Number(now)).toBe(Number(before.v) + 1)
    await expect(onSnapshot(t.sql, "x'; drop table cases; --", () => Promise.resolve({}))).rejects.toThrow(
      /snapshot id/,
    )
  })

  it('several province views at once on a pool of two connections all answer, alike (no pool deadlock)', async () => {
    // Each view holds two connections; computed together, three of them would take the pool's
    // two outer connections and wait for ever for a second each.
    const small = connect(t.url, 2)
    try {
      const p = {
        networkIds: [DEMO_NETWORK_ID, SECOND_NETWORK_ID],
        from: new Date('2024-01-01T00:00:00+08:00'),
        to: new Date(until),
      }
      const views = await Promise.all(
        (['network', 'facility', 'month'] as const).map((groupBy) =>
          provinceMetrics(small, { ...p, groupBy }),
        ),
      )
      for (const [i, groupBy] of (['network', 'facility', 'month'] as const).entries()) {
        const { asOf: _asOf, ...view } = views[i]!
        const { asOf: _again, ...again } = await provinceMetrics(t.sql, { ...p, groupBy })
        expect(view).toEqual(again)
      }
      expect(views.every((v) => v.metrics.length > 0)).toBe(true)
    } finally {
      await small.end()
    }
  })

  const p = {
    networkIds: [DEMO_NETWORK_ID, SECOND_NETWORK_ID],
    from: new Date('2024-01-01T00:00:00+08:00'),
    to: new Date(until),
  }
  const withoutAsOf = ({ asOf: _asOf, ...rest }: { asOf: string }) => rest

  it("by network and by facility: composed from each network's own result, equal to pooling every case", async () => {
    for (const groupBy of ['network', 'facility'] as const) {
      await t.sql`delete from metrics_cache`
      const composed = await provinceMetrics(t.sql, { ...p, groupBy })
      // Composed, not pooled: each network's part is now in the cache.
      const parts = await t.sql<{ n: number }[]>`
        select count(distinct network_id)::int as n from metrics_cache
         where params::jsonb ->> 4 = ${groupBy === 'network' ? 'none' : 'facility'}`
      expect(parts[0]!.n).toBe(2)
      const pooled = await provincePooled(t.sql, { ...p, groupBy })
      expect(composed.metrics.length).toBeGreaterThan(20)
      expect(composed.rates.length).toBeGreaterThan(2)
      expect(withoutAsOf(composed)).toEqual(withoutAsOf(pooled))
    }
  })

  it('by network with many parts missing from the cache: every case pooled in one pass instead', async () => {
    await t.sql`delete from metrics_cache`
    const pooledView = await provinceMetrics(t.sql, { ...p, groupBy: 'network', poolFrom: 1 })
    // Nothing computed network by network, so nothing cached.
    expect((await t.sql`select 1 from metrics_cache`).length).toBe(0)
    expect(withoutAsOf(pooledView)).toEqual(
      withoutAsOf(await provincePooled(t.sql, { ...p, groupBy: 'network' })),
    )
    // With the default threshold (at least 4 missing) two networks are composed and cached.
    await provinceMetrics(t.sql, { ...p, groupBy: 'network' })
    expect((await t.sql`select 1 from metrics_cache`).length).toBe(2)
  })

  it('a facility found in two networks is pooled, not listed twice', async () => {
    // One case of the second network made accountable to a township of the first.
    const lantian = demoId('facility:lantian')
    const [moved] = await t.sql<{ caseId: string; was: string }[]>`
      update case_metrics m set fmc_facility_id = ${lantian}
        from (select case_id, fmc_facility_id from case_metrics
               where network_id = ${SECOND_NETWORK_ID} and fmc_to_ecg is not null
                 and ref_at >= ${p.from} and ref_at < ${p.to} limit 1) o
       where m.case_id = o.case_id
      returning m.case_id as "caseId", o.fmc_facility_id as was`
    expect(moved).toBeDefined()
    // As every writer of case_metrics does (store/case-metrics.ts): cached results are stale now.
    await t.sql`update qa_versions set version = version + 1 where network_id = ${SECOND_NETWORK_ID}`
    try {
      const composed = await provinceMetrics(t.sql, { ...p, groupBy: 'facility' })
      const keys = composed.metrics.map((m) => `${m.key} ${m.group}`)
      expect(new Set(keys).size).toBe(keys.length)
      expect(withoutAsOf(composed)).toEqual(
        withoutAsOf(await provincePooled(t.sql, { ...p, groupBy: 'facility' })),
      )
      const pooledN = composed.metrics.find((m) => m.key === 'fmc_to_ecg' && m.group === lantian)!.n
      const own = await provinceMetrics(t.sql, { ...p, networkIds: [DEMO_NETWORK_ID], groupBy: 'facility' })
      expect(pooledN).toBe(own.metrics.find((m) => m.key === 'fmc_to_ecg' && m.group === lantian)!.n + 1)
    } finally {
      await t.sql`update case_metrics set fmc_facility_id = ${moved!.was} where case_id = ${moved!.caseId}`
      await t.sql`update qa_versions set version = version + 1 where network_id = ${SECOND_NETWORK_ID}`
    }
  })

  it('a network part may lag its cases by maxAge (asOf says so); maxAge 0 shows the change', async () => {
    await t.sql`delete from metrics_cache`
    const groupings = ['network', 'facility'] as const
    const view = (groupBy: (typeof groupings)[number], maxAgeSeconds: number) =>
      provinceMetrics(t.sql, { ...p, groupBy, maxAgeSeconds })
    const first = [await view('network', 300), await view('facility', 300)]
    // The province's FMC-to-ECG count, summed over the groups.
    const n = (r: { metrics: { key: string; n: number }[] }) =>
      r.metrics.filter((m) => m.key === 'fmc_to_ecg').reduce((a, m) => a + m.n, 0)
    // Ten more cases in the second network (the QA version moves on).
    const [{ changedAt } = { changedAt: new Date() }] = await t.sql<{ changedAt: Date }[]>`
      select clock_timestamp() as "changedAt"`
    const network = await loadNetworkInfo(t.sql, SECOND_NETWORK_ID)
    const more = historyCases(network, DEMO_HISTORY_USERS, { months: 2, count: 10, until, seed: 9 })
    await t.sql.begin((tx) => insertHistory(tx, more, network))
    const moreRecords = more.map((c) => registryRecord(c.state, network, c.state.events[0]!.recordedAt))
    records.push(...moreRecords)
    const added = moreRecords.filter(
      (x) => x.metrics.fmc_to_ecg !== null && !x.flaggedMetrics.includes('fmc_to_ecg'),
    ).length
    expect(added).toBeGreaterThan(0)

    for (const [i, groupBy] of groupings.entries()) {
      // Composed from cached parts (pooling would always see the new cases): the second
      // network's part is the one computed before the change, and the answer says so.
      // (The values accountable to no facility, a by-facility group spanning networks, are pooled
      // live every time.)
      const lagging = await view(groupBy, 300)
      const ofFacilities = <T extends { group: string | null }>(xs: T[]) => xs.filter((x) => x.group !== null)
      expect(ofFacilities(lagging.metrics)).toEqual(ofFacilities(first[i]!.metrics))
      expect(ofFacilities(lagging.rates)).toEqual(ofFacilities(first[i]!.rates))
      expect(ofFacilities(lagging.metrics).length).toBeGreaterThan(20)
      expect(Date.parse(lagging.asOf)).toBeGreaterThanOrEqual(Date.parse(first[i]!.asOf))
      expect(Date.parse(lagging.asOf)).toBeLessThan(changedAt.getTime())
      const exact = await view(groupBy, 0)
      expect(n(exact)).toBe(n(first[i]!) + added)
      expect(Date.parse(exact.asOf)).toBeGreaterThan(changedAt.getTime())
      expect(withoutAsOf(exact)).toEqual(withoutAsOf(await provincePooled(t.sql, { ...p, groupBy })))
      // The exact answer replaced the cached part: a lagging view now shows the change too.
      expect(n(await view(groupBy, 300))).toBe(n(exact))
      if (groupBy === 'facility') expect(exact.metrics.some((m) => m.group === null)).toBe(true)
    }
    // A part older than maxAge is never served.
    await t.sql`update metrics_cache set computed_at = computed_at - interval '10 minutes', version = version - 1`
    for (const groupBy of groupings)
      expect(Date.now() - Date.parse((await view(groupBy, 300)).asOf)).toBeLessThan(60_000)
  })

  it('the refresh tick computes what changed and only that', async () => {
    const now = Date.parse('2024-06-15T12:00:00+08:00')
    await t.sql`delete from metrics_cache`
    await t.sql`delete from province_cache`
    const networks = (await t.sql`select id from networks`).length
    const none = { views: 0, computed: 0 }
    expect(await refreshNetworkMetrics(t.sql, now)).toEqual({
      networks,
      computed: networks * 2,
      province: none,
    })
    expect(await refreshNetworkMetrics(t.sql, now)).toEqual({ networks, computed: 0, province: none })
    await t.sql`update qa_versions set version = version + 1 where network_id = ${SECOND_NETWORK_ID}`
    expect(await refreshNetworkMetrics(t.sql, now)).toEqual({ networks, computed: 2, province: none })
    // What it warmed is what the province view of the default period reads.
    const period = { from: new Date('2023-07-01T00:00:00+08:00'), to: new Date('2024-07-01T00:00:00+08:00') }
    const r = await t.sql<{ n: number }[]>`
      select count(*)::int as n from metrics_cache
       where params::jsonb ->> 1 = ${period.from.toISOString()} and params::jsonb ->> 2 = ${period.to.toISOString()}`
    expect(r[0]!.n).toBe(networks * 2)
  })

  it('by month and without grouping: cached per set of networks, exact while none changed, within maxAge after; the tick keeps what was read warm', async () => {
    await t.sql`delete from province_cache`
    const groupings = ['month', 'none'] as const
    const view = (groupBy: (typeof groupings)[number], maxAgeSeconds: number, q = p) =>
      provinceMetrics(t.sql, { ...q, groupBy, maxAgeSeconds })
    // A mark planted in the stored answer shows whether a view was read from the cache.
    const plant = () =>
      t.sql`update province_cache set result = jsonb_set(result, '{rates,0,numerator}', '-7')`
    const planted = (r: { rates: { numerator: number }[] }) => r.rates[0]!.numerator === -7
    for (const groupBy of groupings) {
      const first = await view(groupBy, 0)
      expect(first.metrics.length).toBeGreaterThan(10)
      expect(withoutAsOf(first)).toEqual(withoutAsOf(await provincePooled(t.sql, { ...p, groupBy })))
    }
    const rows = await t.sql<{ group_by: string; network_ids: string[]; result: string }[]>`
      select group_by, network_ids::text[] as network_ids, result::text from province_cache order by group_by`
    expect(rows.map((r) => r.group_by)).toEqual(['month', 'none'])
    expect(rows[0]!.network_ids).toEqual([DEMO_NETWORK_ID, SECOND_NETWORK_ID].sort())
    // Aggregates only: no case id is stored (every case id list of the answer is empty).
    expect(rows.every((r) => !/caseIds":\["/.test(r.result))).toBe(true)
    await plant()
    const [{ changedAt } = { changedAt: new Date() }] = await t.sql<{ changedAt: Date }[]>`
      select clock_timestamp() as "changedAt"`
    for (const groupBy of groupings) {
      // Nothing changed: the stored answer, exact to now (asOf now).
      const hit = await view(groupBy, 0)
      expect(planted(hit)).toBe(true)
      expect(Date.parse(hit.asOf)).toBeGreaterThanOrEqual(changedAt.getTime())
      // Another set of networks (only the demo network) is another view.
      expect(planted(await view(groupBy, 0, { ...p, networkIds: [DEMO_NETWORK_ID] }))).toBe(false)
    }
    // A case of the second network changes (its QA version moves on).
    await t.sql`update qa_versions set version = version + 1 where network_id = ${SECOND_NETWORK_ID}`
    for (const groupBy of groupings) {
      // Within maxAge: the stored answer, which says how old it is.
      const lagging = await view(groupBy, 300)
      expect(planted(lagging)).toBe(true)
      expect(Date.parse(lagging.asOf)).toBeLessThan(changedAt.getTime())
      // maxAge 0: computed again, and stored for the next view.
      const exact = await view(groupBy, 0)
      expect(planted(exact)).toBe(false)
      expect(withoutAsOf(exact)).toEqual(withoutAsOf(await provincePooled(t.sql, { ...p, groupBy })))
      expect(planted(await view(groupBy, 300))).toBe(false)
    }
    // An answer older than maxAge is never served.
    await plant()
    await t.sql`update province_cache set computed_at = computed_at - interval '10 minutes'`
    await t.sql`update qa_versions set version = version + 1 where network_id = ${DEMO_NETWORK_ID}`
    for (const groupBy of groupings) expect(planted(await view(groupBy, 300))).toBe(false)

    // The tick: the views of the default period read in the last day, computed again when a
    // network of them changed; a view nobody read for a week is dropped.
    const now = Date.parse('2024-06-15T12:00:00+08:00')
    const period = { from: new Date('2023-07-01T00:00:00+08:00'), to: new Date('2024-07-01T00:00:00+08:00') }
    const q = { ...p, ...period }
    await t.sql`delete from province_cache`
    await view('month', 0, q)
    await view('none', 0, { ...q, networkIds: [DEMO_NETWORK_ID] })
    await refreshNetworkMetrics(t.sql, now)
    expect((await refreshNetworkMetrics(t.sql, now)).province).toEqual({ views: 2, computed: 0 })
    await plant()
    await t.sql`update qa_versions set version = version + 1 where network_id = ${SECOND_NETWORK_ID}`
    // Only the view holding the second network is computed again.
    expect((await refreshNetworkMetrics(t.sql, now)).province).toEqual({ views: 2, computed: 1 })
    const month = await view('month', 0, q)
    expect(planted(month)).toBe(false)
    expect(withoutAsOf(month)).toEqual(withoutAsOf(await provincePooled(t.sql, { ...q, groupBy: 'month' })))
    expect(planted(await view('none', 0, { ...q, networkIds: [DEMO_NETWORK_ID] }))).toBe(true)
    // The tick does not count as a reading: unread for a day, a view is no longer refreshed; for a week, dropped.
    await t.sql`update province_cache set read_at = now() - interval '2 days' where group_by = 'none'`
    await t.sql`update qa_versions set version = version + 1 where network_id = ${DEMO_NETWORK_ID}`
    expect((await refreshNetworkMetrics(t.sql, now)).province).toEqual({ views: 1, computed: 1 })
    await t.sql`update province_cache set read_at = now() - interval '8 days' where group_by = 'none'`
    await refreshNetworkMetrics(t.sql, now)
    expect((await t.sql`select group_by from province_cache`).map((r) => r.group_by)).toEqual(['month'])
  })
})
