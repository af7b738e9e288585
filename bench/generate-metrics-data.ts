/**
 * Generate `case_metrics` projection rows (and their `cases` rows) directly in SQL for the QA
 * metrics benchmark: 1,000,000 cases take tens of seconds, not hours. Rows are
 * plausible rather than replayable: intervals are log-normal around published medians (ESC 2023,
 * China CPC reports: FMC→ECG ~6 min, D2N ~35 min, DIDO ~40 min, door-to-wire ~70 min), metrics are
 * computed from the generated time points exactly as the core rounds them (0.1 min), ~2 % of
 * cases carry a data-quality flag. For replayable history with events use fixtures/history.ts.
 */
import type { Sql } from '../workflows/runtime/platform/connect.ts'

export interface GenerateOptions {
  networkId: string
  /** Number of cases to add. */
  cases: number
  /** Spread over the months before `until` (default 12). */
  months?: number
  until?: Date
  /** Reproducible draw (Postgres setseed, −1…1). */
  seed?: number
  /** Rows per insert statement (memory bound). */
  chunk?: number
  /**
   * 'deferred': insert with the rollup triggers of migration 0007 disabled (they fire per
   * statement over 200,000-row transition tables and dominate generation); the caller then runs
   * `rebuildRollup` once, set-based (test/int/qa.int.test.ts proves the two agree).
   * Default 'triggers'.
   */
  rollup?: 'triggers' | 'deferred'
}

/**
 * Rebuild the metric rollup from case_metrics (migration 0018), mark every network's cached
 * aggregates stale, and vacuum analyze what the QA reads touch (what autovacuum does after a bulk
 * load: the rollup's percentile lookups are index-only).
 */
export async function rebuildRollup(sql: Sql): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`set local work_mem = '256MB'`
    await tx`select metric_rollup_rebuild()`
    await tx`update qa_versions set version = version + 1`
  })
  await sql.unsafe('vacuum analyze case_metrics, cases, metric_rollup, metric_bins')
}

/** Insert generated cases; returns the number inserted. Run `vacuum analyze` afterwards. */
export async function generateMetricsData(sql: Sql, o: GenerateOptions): Promise<number> {
  const months = o.months ?? 12
  const until = o.until ?? new Date()
  const chunk = o.chunk ?? 200_000
  const [creator] = await sql<{ id: string }[]>`
    select id from users where network_id = ${o.networkId} order by username limit 1`
  if (!creator) throw new Error('the network needs at least one user (cases.created_by)')
  const facilities = await sql<{ id: string; level: string }[]>`
    select id, level from facilities where network_id = ${o.networkId} order by id`
  const county = facilities.find((f) => f.level === 'county')?.id
  const townships = facilities.filter((f) => f.level === 'township').map((f) => f.id)
  const villages = facilities.filter((f) => f.level === 'village').map((f) => f.id)
  if (!county || !townships.length) throw new Error('the network needs a county and a township')
  if (!villages.length) villages.push(...townships)
  let done = 0
  await sql`select setseed(${o.seed ?? 0.42})`
  while (done < o.cases) {
    const n = Math.min(chunk, o.cases - done)
    await sql.begin(async (tx) => {
      await tx`set local work_mem = '256MB'`
      if (o.rollup === 'deferred')
        await tx`alter table case_metrics disable trigger case_metrics_rollup_insert`
      // Minutes at 0.1 min precision, rounded like the core's toMinutes().
      await tx`create or replace function pg_temp.mins(i interval) returns float8 language sql immutable
               as $$ select round(extract(epoch from i) / 6)::float8 / 10 $$`
      await tx`create temp table gen on commit drop as
        with base as (
          select gen_random_uuid() as case_id,
                 ${until}::timestamptz - (random() * ${months} * interval '30 days') as fmc,
                 random() as r_level, random() as r_fac, random() as r_dx, random() as r_path,
                 random() as r_flag, random() as r_ok, random() as r_bypass, random() as r_tx
            from generate_series(1, ${n})
        ), placed as (
          select b.*,
                 case when r_level < 0.15 then 'county' when r_level < 0.65 then 'township' else 'village' end as level,
                 r_dx < 0.55 as stemi
            from base b
        ), facs as (
          select p.*,
                 case level when 'county' then ${county}::uuid
                            when 'township' then (${townships}::uuid[])[1 + floor(r_fac * ${townships.length})::int]
                            else (${villages}::uuid[])[1 + floor(r_fac * ${villages.length})::int] end as fac,
                 (${townships}::uuid[])[1 + floor(r_fac * ${townships.length})::int] as township,
                 -- months since the start: township D2N improves from ~45 to ~30 min over the year
                 extract(epoch from (fmc - (${until}::timestamptz - ${months} * interval '30 days'))) / (30 * 86400) as m
            from placed p
        ), lysed as (
          select f.*, stemi and level = 'township' and r_path < 0.5 as lysis,
                 stemi and level <> 'county' as transferred
            from facs f
        ), times as (
          select l.*,
                 fmc - exp(ln(150) + 0.9 * random_normal()) * interval '1 minute' as onset,
                 fmc + exp(ln(6) + 0.5 * random_normal()) * interval '1 minute' as ecg,
                 exp(ln(8) + 0.5 * random_normal()) as read_min,
                 exp(ln(45 - 1.2 * m) + 0.35 * random_normal()) as d2n_min,
                 exp(ln(40) + 0.4 * random_normal()) as dido_min,
                 exp(ln(70) + 0.35 * random_normal()) as d2w_min,
                 exp(ln(22) + 0.3 * random_normal()) as cath_min,
                 30 + 60 * random() as travel_min
            from lysed l
        )
        select t.case_id, t.fmc, t.fac, t.level, t.stemi, t.lysis, t.transferred, t.onset, t.ecg,
               t.r_flag, t.r_ok, t.r_bypass, t.r_tx, t.township,
               case when t.stemi then t.ecg + interval '1 minute' end as sent,
               case when t.stemi then t.ecg + (1 + t.read_min) * interval '1 minute' end as dx,
               case when t.lysis then t.fmc + t.d2n_min * interval '1 minute' end as bolus,
               case when t.transferred then t.fmc + t.dido_min * interval '1 minute'
                                           + case when t.lysis then t.d2n_min * interval '1 minute' * 0.5 else interval '0' end end as door_out,
               t.travel_min, t.d2w_min, t.cath_min, t.m
          from times t`
      await tx`
        insert into cases (id, network_id, facility_id, patient, created_by, created_at, status, phase, updated_at, facility_ids)
        select case_id, ${o.networkId}, fac, '{"sex":"male","age":60}'::jsonb, ${creator.id}, fmc, 'closed', 'closed', fmc,
               array[fac]
          from gen`
      await tx`
        insert into case_metrics (case_id, network_id, facility_id, ref_at, month, symptom_onset, arrival_mode, fmc,
          fmc_facility_id, first_ecg, ecg_facility_id, ecg_transmitted, ecg_via, consult_acknowledged, first_diagnosis,
          diagnosis, stemi_diagnosis, strategy, referral_facility_id, referral_door_in, transfer_decided,
          referral_door_out, lysis_facility_id, lysis_door_in, lysis_start, lysis_drug, lysis_dose_fraction,
          reperfusion_at, reperfusion, county_facility_id, county_door_in, bypassed_ed, cath_lab_activated,
          cath_lab_ready, wire, outcome, outcome_at,
          onset_to_fmc, fmc_to_ecg, ecg_to_diagnosis, door_to_needle, diagnosis_to_needle, door_in_door_out,
          door_to_wire, cath_lab_activation, fmc_to_wire, lysis_to_angiography, total_ischemic_time,
          flagged_metrics, flag_codes, completeness, entered_late, corrected, stemi, closed, updated_at)
        select case_id, ${o.networkId}, fac, fmc, date_trunc('month', fmc at time zone 'Asia/Shanghai')::date,
               onset, case when level = 'county' then 'ambulance' else 'walk_in' end, fmc, fac,
               ecg, case when sent is not null then fac end, sent, case when sent is not null then 'realtime' end,
               case when sent is not null then sent + interval '2 minutes' end, coalesce(dx, ecg + interval '15 minutes'),
               case when stemi then 'stemi' else 'nstemi' end, dx,
               case when lysis then 'pharmacoinvasive' when stemi then 'primary_pci' end,
               case when transferred then fac end, case when transferred then fmc end,
               case when transferred then coalesce(dx, ecg) + interval '3 minutes' end, door_out,
               case when lysis then fac end, case when lysis then fmc end, bolus,
               case when lysis then 'tenecteplase' end, case when lysis then 'full' end,
               case when lysis then bolus + interval '75 minutes' end, case when lysis then r_ok < 0.88 end,
               case when stemi then ${county}::uuid end, county_in,
               case when stemi then r_bypass < 0.4 end,
               case when stemi then county_in - interval '20 minutes' end,
               case when stemi then county_in - interval '20 minutes' + cath_min * interval '1 minute' end,
               wire, 'discharged_alive', coalesce(wire, fmc) + interval '5 days',
               pg_temp.mins(fmc - onset), pg_temp.mins(ecg - fmc), pg_temp.mins(dx - sent),
               pg_temp.mins(bolus - fmc), pg_temp.mins(bolus - dx),
               pg_temp.mins(door_out - fmc), pg_temp.mins(wire - county_in), case when stemi then round(cath_min * 10)::float8 / 10 end,
               pg_temp.mins(wire - fmc), pg_temp.mins(wire - bolus), pg_temp.mins(least(bolus, wire) - onset),
               case when r_flag < 0.01 then '{fmc_to_ecg}'::text[] else '{}' end,
               case when r_flag < 0.01 then '{implausible_interval}'::text[]
                    when r_flag < 0.03 then '{late_entry}' when r_flag < 0.05 then '{corrected}' else '{}' end,
               case when r_flag < 0.05 then 0.9 else 1 end, r_flag >= 0.01 and r_flag < 0.03,
               r_flag >= 0.03 and r_flag < 0.05, stemi, true, now()
          from (select g.*,
                       case when stemi then coalesce(door_out + travel_min * interval '1 minute', fmc) end as county_in,
                       case when stemi then coalesce(door_out + travel_min * interval '1 minute', fmc)
                                            + d2w_min * interval '1 minute'
                                            + case when lysis then interval '150 minutes' else interval '0' end end as wire
                  from gen g) x`
      if (o.rollup === 'deferred')
        await tx`alter table case_metrics enable trigger case_metrics_rollup_insert`
    })
    done += n
  }
  return done
}
