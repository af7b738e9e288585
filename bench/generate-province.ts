/**
 * A province for the scale benchmark (bench/province.ts): `networks` county networks holding
 * `cases` closed cases in all (their QA projection rows, generated in SQL by
 * bench/generate-metrics-data.ts: INSERT … SELECT over generate_series, server-side like COPY)
 * and `active` open cases in the measured network (the demo network, where the demo logins are).
 *
 * The demo network (seeded by fixtures/seed-demo.ts) is one of the networks; the others are
 * made here in SQL: a county PCI centre, 8 lysis-capable townships, 16 village clinics, a QA
 * user and a township physician each (password hash copied from the demo users: they never log
 * in, the bench reads their metrics in-process).
 *
 * Active cases: `templates` started through the runtime (`createCase`; a third of them then
 * transferred to the county: `transfer_decided` + `departed`, so the incoming board has rows),
 * the rest SQL copies of those (same rows and events, fresh ids), as bench/memory.ts does.
 *
 *   BENCH_PROVINCE_CASES=1000000 npx tsx bench/province.ts    (default 10,000,000)
 */
import { demoId } from '../fixtures/demo-network.ts'
import { DEMO_NETWORK_ID } from '../fixtures/seed-demo.ts'
import { recordEvent, type Runtime } from '../workflows/runtime/apply-event.ts'
import type { Sql } from '../workflows/runtime/platform/connect.ts'
import { generateMetricsData, rebuildRollup } from './generate-metrics-data.ts'
import { createCases, LANTIAN, LANTIAN_DOCTOR } from './lib/cases.ts'

export interface ProvinceOptions {
  networks: number
  cases: number
  active: number
  templates?: number
  /** Progress lines on stderr. */
  progress?: boolean
}

export interface ProvinceInfo {
  networkIds: string[]
  casesPerNetwork: number
  casesGenerated: number
  active: number
  transferred: number
  seconds: { networks: number; cases: number; rollup: number; active: number; analyze: number }
  /** Pages the visibility map marks all-visible after the final vacuum, per table the QA reads use. */
  allVisible: Record<string, { pages: number; visible: number }>
}

const COUNTY = demoId('facility:county')

/** Networks 2…n in SQL, each with its facilities and two users; returns every network id, demo first. */
async function makeNetworks(sql: Sql, n: number): Promise<string[]> {
  await sql.begin(async (tx) => {
    await tx`create temp table gen_net on commit drop as
               select i, gen_random_uuid() as id from generate_series(2, ${n}) i`
    await tx`insert into networks (id, name, name_en, settings)
             select id, '县域网络 ' || i, 'County network ' || i,
                    '{"expectedDoorToWireMinutes": 60, "checklist": "cn"}'::jsonb from gen_net`
    await tx`insert into facilities (network_id, name, name_en, level, has_cath_lab, lysis_drugs)
             select g.id, '县医院 ' || g.i, 'County hospital ' || g.i, 'county', true, '{}'::text[] from gen_net g
             union all
             select g.id, '乡镇卫生院 ' || g.i || '-' || k, 'Township ' || g.i || '-' || k, 'township', false,
                    '{tenecteplase}'::text[] from gen_net g, generate_series(1, 8) k
             union all
             select g.id, '村卫生室 ' || g.i || '-' || k, 'Village ' || g.i || '-' || k, 'village', false, '{}'::text[]
               from gen_net g, generate_series(1, 16) k`
    await tx`insert into travel_times (network_id, from_facility_id, to_facility_id, minutes)
             select t.network_id, t.id, c.id, 30 + (abs(hashtext(t.id::text)) % 60)
               from facilities t join facilities c on c.network_id = t.network_id and c.level = 'county'
              where t.level = 'township' and t.network_id in (select id from gen_net)`
    const [hash] = await tx<{ h: string }[]>`select password_hash as h from users limit 1`
    await tx`insert into users (network_id, username, display_name, password_hash)
             select id, 'qa.p' || i, 'QA ' || i, ${hash!.h} from gen_net
             union all
             select id, 'doc.p' || i, 'Township physician ' || i, ${hash!.h} from gen_net`
    await tx`insert into user_roles (user_id, role)
             select u.id, case when u.username like 'qa.p%' then 'qa' else 'township_physician' end
               from users u join gen_net g on g.id = u.network_id`
  })
  const rows = await sql<{ id: string }[]>`
    select id from networks where id <> ${DEMO_NETWORK_ID} and not is_demo order by name_en`
  return [DEMO_NETWORK_ID, ...rows.map((r) => r.id)]
}

/** Copy every active case `copies` times (cases + events, fresh ids). */
async function cloneActive(sql: Sql, copies: number): Promise<void> {
  if (copies <= 0) return
  await sql.begin(async (tx) => {
    await tx`create temp table clone_map on commit drop as
               select c.id as old_id, gen_random_uuid() as new_id
                 from cases c cross join generate_series(1, ${copies})
                where c.status = 'active'`
    await tx`insert into cases (id, network_id, facility_id, patient, created_by, created_at, status, phase,
                                updated_at, facility_ids, heading_to, heading_known)
             select m.new_id, c.network_id, c.facility_id, c.patient, c.created_by, c.created_at, c.status,
                    c.phase, c.updated_at, c.facility_ids, c.heading_to, c.heading_known
               from clone_map m join cases c on c.id = m.old_id`
    await tx`insert into case_events (id, case_id, type, at, recorded_at, by, data)
             select gen_random_uuid(), m.new_id, e.type, e.at, e.recorded_at, e.by, e.data
               from clone_map m join case_events e on e.case_id = m.old_id order by e.seq`
  })
}

export async function generateProvince(sql: Sql, rt: Runtime, o: ProvinceOptions): Promise<ProvinceInfo> {
  const say = (m: string) => o.progress && process.stderr.write(`[province] ${m}\n`)
  const t0 = performance.now()
  const networkIds = await makeNetworks(sql, o.networks)
  const t1 = performance.now()
  const per = Math.floor(o.cases / o.networks)
  let generated = 0
  for (const [i, networkId] of networkIds.entries()) {
    generated += await generateMetricsData(sql, {
      networkId,
      cases: per,
      seed: 0.42 - i / 1000,
      rollup: 'deferred',
    })
    if (i % 10 === 9 || i === networkIds.length - 1)
      say(
        `${i + 1}/${networkIds.length} networks, ${generated} cases, ${Math.round((performance.now() - t1) / 1000)} s`,
      )
  }
  say('rollup')
  const tr = performance.now()
  await rebuildRollup(sql)
  const rollupSeconds = Math.round((performance.now() - tr) / 100) / 10
  say(`rollup rebuilt in ${rollupSeconds} s`)
  const t2 = performance.now()
  // Active cases: templates through the runtime, a third of them on their way to the county.
  const templates = Math.min(o.templates ?? 60, o.active)
  const ids = await createCases(
    rt,
    Array.from({ length: templates }, () => Date.now() - 20 * 60_000),
  )
  let transferred = 0
  for (const id of ids.slice(0, Math.floor(templates / 3))) {
    const at = Date.now() - 60_000
    await recordEvent(
      rt,
      LANTIAN_DOCTOR,
      id,
      {
        id: crypto.randomUUID(),
        type: 'transfer_decided',
        at,
        data: { facilityId: LANTIAN, toFacilityId: COUNTY },
      },
      () => true,
    )
    await recordEvent(
      rt,
      LANTIAN_DOCTOR,
      id,
      {
        id: crypto.randomUUID(),
        type: 'departed',
        at: at + 30_000,
        data: { facilityId: LANTIAN, toFacilityId: COUNTY },
      },
      () => true,
    )
    transferred++
  }
  const [{ n: activeNow } = { n: 0 }] = await sql<{ n: number }[]>`
    select count(*)::int as n from cases where status = 'active'`
  await cloneActive(sql, Math.ceil(o.active / Math.max(1, activeNow)) - 1)
  const t3 = performance.now()
  say('analyze')
  // Every table the measured reads touch, the rollup too, after the last write: the percentile
  // lookups and the what-if are index-only scans, which fetch the heap row of every index entry
  // on a page the visibility map does not mark all-visible. The rebuild's own vacuum
  // (rebuildRollup) was seen leaving most of the rollup's pages unmarked at 1,000,000 cases (7,017 of
  // 51,752 all-visible, every lookup fetching the heap: one network by facility 1.1 s, then
  // 0.34 s once vacuumed); a server in steady state has had autovacuum (migration 0026) do this.
  await sql.unsafe('vacuum analyze cases, case_events, case_metrics, metric_rollup, metric_bins')
  const visible = await sql<{ relname: string; pages: number; visible: number }[]>`
    select relname, relpages as pages, relallvisible as visible from pg_class
     where relname in ('case_metrics', 'metric_rollup', 'metric_bins') order by relname`
  say(`all-visible pages: ${visible.map((v) => `${v.relname} ${v.visible}/${v.pages}`).join(', ')}`)
  const [{ n: active } = { n: 0 }] = await sql<{ n: number }[]>`
    select count(*)::int as n from cases where status = 'active'`
  const s = (a: number, b: number) => Math.round((b - a) / 100) / 10
  return {
    networkIds,
    casesPerNetwork: per,
    casesGenerated: generated,
    active,
    transferred: transferred * Math.ceil(active / Math.max(1, templates)),
    allVisible: Object.fromEntries(visible.map((v) => [v.relname, { pages: v.pages, visible: v.visible }])),
    seconds: {
      networks: s(t0, t1),
      cases: s(t1, t2),
      rollup: rollupSeconds,
      active: s(t2, t3),
      analyze: s(t3, performance.now()),
    },
  }
}
