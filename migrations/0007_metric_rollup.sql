-- Metric rollup (issues 6 and 7): GET /api/metrics over a million cases in well under a second,
-- with exact percentiles. Metric values are minutes at 0.1 min, so a period's values are a
-- histogram with far fewer rows than cases; exact percentile_cont, n, mean and the share within
-- target follow from cumulative counts (workflows/runtime/store/metrics.ts).
--
-- One row per (network, registry month, key, accountable facility, flagged, value) with the
-- number of cases. Keys are the SPEC §5 metrics and the three rates, each rate stored as a 0/1
-- value over its denominator (bypass_ed, lysis_success, remote_ecg). A flagged metric is
-- counted with val = 0: it never enters an aggregate, only the flagged count.
--
-- Maintained by statement triggers on case_metrics in the writing transaction (the old rows'
-- contributions subtracted, the new ones added), so a correction moves the rollup in the
-- same commit as the projection row, for every writer: the event path, the history fixture,
-- the benchmark generator. Rebuild: `truncate metric_rollup; insert … (the backfill below)`.

-- The values a projection row contributes: the one definition of "accountable facility" and
-- of the rate denominators for the rollup and for partial months read from case_metrics.
-- Mirrors core METRIC_FACILITY and FACILITY_COLUMN in store/metrics.ts (tested).
create function metric_values(m case_metrics)
returns table (key text, facility_id uuid, flagged boolean, val float8)
language sql immutable parallel safe as $$
  select k.key, k.fac, k.key = any(m.flagged_metrics),
         case when k.key = any(m.flagged_metrics) then 0 else k.val end
    from (values
      ('onset_to_fmc', m.fmc_facility_id, m.onset_to_fmc),
      ('fmc_to_ecg', m.fmc_facility_id, m.fmc_to_ecg),
      ('ecg_to_diagnosis', m.ecg_facility_id, m.ecg_to_diagnosis),
      ('door_to_needle', m.lysis_facility_id, m.door_to_needle),
      ('diagnosis_to_needle', m.lysis_facility_id, m.diagnosis_to_needle),
      ('door_in_door_out', m.referral_facility_id, m.door_in_door_out),
      ('door_to_wire', m.county_facility_id, m.door_to_wire),
      ('cath_lab_activation', m.county_facility_id, m.cath_lab_activation),
      ('fmc_to_wire', m.fmc_facility_id, m.fmc_to_wire),
      ('lysis_to_angiography', m.county_facility_id, m.lysis_to_angiography),
      ('total_ischemic_time', m.fmc_facility_id, m.total_ischemic_time),
      -- rates: present = in the denominator, val 1 = in the numerator
      ('bypass_ed', m.county_facility_id,
         case when m.wire is not null
               and (m.arrival_mode in ('ambulance', 'transfer') or m.referral_door_out is not null)
              then coalesce(m.bypassed_ed, false)::int::float8 end),
      ('lysis_success', m.lysis_facility_id,
         case when m.lysis_start is not null then coalesce(m.reperfusion, false)::int::float8 end),
      ('remote_ecg', m.fmc_facility_id,
         case when m.stemi then (m.ecg_transmitted is not null)::int::float8 end)
    ) as k(key, fac, val)
   where k.val is not null or k.key = any(m.flagged_metrics)
$$;

create table metric_rollup (
  network_id   uuid not null,
  month        date not null,
  key          text not null,
  -- net: the network-wide cell (facility_id null), summed over facilities, so a network-wide
  -- query reads one cell per value instead of one per facility (a county has dozens).
  net          boolean not null,
  facility_id  uuid,              -- accountable facility; null when the record names none
  flagged      boolean not null,
  val          float8 not null,   -- minutes (0/1 for rates; 0 when flagged)
  n            bigint not null,
  -- The upsert target, and the percentile lookup: the values of one key and facility (or the
  -- network) in one 10-minute bin, months filtered inside the index, read index-only.
  constraint metric_rollup_cell
    unique nulls not distinct (network_id, key, flagged, net, facility_id, val, month) include (n)
);

-- The same histogram in 10-minute bins (bin = floor(val / 10)): what a period's n, exact sum,
-- share within target (every target bound is a multiple of 10 minutes; n_lo counts the values
-- exactly on the bin's lower edge, for "≤ max") and the bin holding each percentile rank are
-- computed from. Far fewer rows than metric_rollup (a million cases: ~120k vs ~2M), so a
-- period is summed in milliseconds; metric_rollup is then read only for the bins that hold a
-- percentile.
create table metric_bins (
  network_id   uuid not null,
  month        date not null,
  key          text not null,
  net          boolean not null,
  facility_id  uuid,
  flagged      boolean not null,
  bin          integer not null,
  n            bigint not null,
  n_lo         bigint not null,   -- values = bin * 10 exactly
  total        numeric not null,  -- exact sum of the values (mean)
  constraint metric_bins_cell unique nulls not distinct (network_id, net, month, key, facility_id, flagged, bin)
);

-- The statement triggers: add (+1) the new rows' cells and subtract (−1) the old rows', netted
-- per cell, touched in cell order (concurrent writers cannot deadlock on them); emptied cells
-- are deleted. Transition tables need one trigger per event; one function serves all three.
create function metric_rollup_apply() returns trigger language plpgsql as $$
declare
  emptied tid[];
  emptied_bins tid[];
begin
  if tg_op = 'INSERT' then
    with cells as (
      select m.network_id, m.month, v.key, v.facility_id, v.flagged, v.val, count(*) as n
        from new_rows m cross join lateral metric_values(m) v
       group by 1, 2, 3, 4, 5, 6
    ), delta as (
      select c.network_id, c.month, c.key, s.net, case when s.net then null else c.facility_id end as facility_id,
             c.flagged, c.val, sum(c.n) as n
        from cells c cross join (values (false), (true)) as s(net)
       group by 1, 2, 3, 4, 5, 6, 7
    ), up as (
      insert into metric_rollup as c (network_id, month, key, net, facility_id, flagged, val, n)
      select * from delta order by network_id, key, flagged, net, facility_id, val, month
      on conflict on constraint metric_rollup_cell do update set n = c.n + excluded.n
      returning c.ctid, c.n
    ), upb as (
      insert into metric_bins as c (network_id, month, key, net, facility_id, flagged, bin, n, n_lo, total)
      select network_id, month, key, net, facility_id, flagged, floor(val / 10)::int, sum(n),
             coalesce(sum(n) filter (where val = floor(val / 10) * 10), 0), sum(val::numeric * n)
        from delta group by 1, 2, 3, 4, 5, 6, 7 order by 1, 4, 2, 3, 5, 6, 7
      on conflict on constraint metric_bins_cell do update
        set n = c.n + excluded.n, n_lo = c.n_lo + excluded.n_lo, total = c.total + excluded.total
      returning c.ctid, c.n
    )
    select array(select ctid from up where n = 0), array(select ctid from upb where n = 0)
      into emptied, emptied_bins;
  elsif tg_op = 'UPDATE' then
    with cells as (
      select network_id, month, key, facility_id, flagged, val, sum(sign) as n
        from (select m.network_id, m.month, v.*, 1 as sign
                from new_rows m cross join lateral metric_values(m) v
              union all
              select m.network_id, m.month, v.*, -1
                from old_rows m cross join lateral metric_values(m) v) d
       group by 1, 2, 3, 4, 5, 6
      having sum(sign) <> 0
    ), delta as (
      select c.network_id, c.month, c.key, s.net, case when s.net then null else c.facility_id end as facility_id,
             c.flagged, c.val, sum(c.n) as n
        from cells c cross join (values (false), (true)) as s(net)
       group by 1, 2, 3, 4, 5, 6, 7
    ), up as (
      insert into metric_rollup as c (network_id, month, key, net, facility_id, flagged, val, n)
      select * from delta order by network_id, key, flagged, net, facility_id, val, month
      on conflict on constraint metric_rollup_cell do update set n = c.n + excluded.n
      returning c.ctid, c.n
    ), upb as (
      insert into metric_bins as c (network_id, month, key, net, facility_id, flagged, bin, n, n_lo, total)
      select network_id, month, key, net, facility_id, flagged, floor(val / 10)::int, sum(n),
             coalesce(sum(n) filter (where val = floor(val / 10) * 10), 0), sum(val::numeric * n)
        from delta group by 1, 2, 3, 4, 5, 6, 7 order by 1, 4, 2, 3, 5, 6, 7
      on conflict on constraint metric_bins_cell do update
        set n = c.n + excluded.n, n_lo = c.n_lo + excluded.n_lo, total = c.total + excluded.total
      returning c.ctid, c.n
    )
    select array(select ctid from up where n = 0), array(select ctid from upb where n = 0)
      into emptied, emptied_bins;
  else -- DELETE: the trigger has no new_rows
    with cells as (
      select m.network_id, m.month, v.key, v.facility_id, v.flagged, v.val, -count(*) as n
        from old_rows m cross join lateral metric_values(m) v
       group by 1, 2, 3, 4, 5, 6
    ), delta as (
      select c.network_id, c.month, c.key, s.net, case when s.net then null else c.facility_id end as facility_id,
             c.flagged, c.val, sum(c.n) as n
        from cells c cross join (values (false), (true)) as s(net)
       group by 1, 2, 3, 4, 5, 6, 7
    ), up as (
      insert into metric_rollup as c (network_id, month, key, net, facility_id, flagged, val, n)
      select * from delta order by network_id, key, flagged, net, facility_id, val, month
      on conflict on constraint metric_rollup_cell do update set n = c.n + excluded.n
      returning c.ctid, c.n
    ), upb as (
      insert into metric_bins as c (network_id, month, key, net, facility_id, flagged, bin, n, n_lo, total)
      select network_id, month, key, net, facility_id, flagged, floor(val / 10)::int, sum(n),
             coalesce(sum(n) filter (where val = floor(val / 10) * 10), 0), sum(val::numeric * n)
        from delta group by 1, 2, 3, 4, 5, 6, 7 order by 1, 4, 2, 3, 5, 6, 7
      on conflict on constraint metric_bins_cell do update
        set n = c.n + excluded.n, n_lo = c.n_lo + excluded.n_lo, total = c.total + excluded.total
      returning c.ctid, c.n
    )
    select array(select ctid from up where n = 0), array(select ctid from upb where n = 0)
      into emptied, emptied_bins;
  end if;
  if cardinality(emptied) > 0 then
    delete from metric_rollup where ctid = any(emptied) and n = 0;
  end if;
  if cardinality(emptied_bins) > 0 then
    delete from metric_bins where ctid = any(emptied_bins) and n = 0;
  end if;
  return null;
end $$;

create function metric_rollup_truncate() returns trigger language plpgsql as $$
begin
  truncate metric_rollup, metric_bins;
  return null;
end $$;

-- Backfill from the rows already projected, then keep it current.
insert into metric_rollup (network_id, month, key, net, facility_id, flagged, val, n)
select m.network_id, m.month, v.key, s.net, case when s.net then null else v.facility_id end, v.flagged, v.val,
       count(*)
  from case_metrics m cross join lateral metric_values(m) v cross join (values (false), (true)) as s(net)
 group by 1, 2, 3, 4, 5, 6, 7;
insert into metric_bins (network_id, month, key, net, facility_id, flagged, bin, n, n_lo, total)
select network_id, month, key, net, facility_id, flagged, floor(val / 10)::int, sum(n),
       coalesce(sum(n) filter (where val = floor(val / 10) * 10), 0), sum(val::numeric * n)
  from metric_rollup group by 1, 2, 3, 4, 5, 6, 7;

create trigger case_metrics_rollup_insert after insert on case_metrics
  referencing new table as new_rows for each statement execute function metric_rollup_apply();
create trigger case_metrics_rollup_update after update on case_metrics
  referencing old table as old_rows new table as new_rows
  for each statement execute function metric_rollup_apply();
create trigger case_metrics_rollup_delete after delete on case_metrics
  referencing old table as old_rows for each statement execute function metric_rollup_apply();
create trigger case_metrics_rollup_truncate after truncate on case_metrics
  for each statement execute function metric_rollup_truncate();

-- The capped lists of outside-target ids per accountable facility (groupBy=facility, or a
-- township's facilityId) scan that facility's cases newest first, not every case of the network.
create index case_metrics_fmc_facility on case_metrics (network_id, fmc_facility_id, ref_at);
create index case_metrics_ecg_facility on case_metrics (network_id, ecg_facility_id, ref_at)
  where ecg_facility_id is not null;
create index case_metrics_lysis_facility on case_metrics (network_id, lysis_facility_id, ref_at)
  where lysis_facility_id is not null;
create index case_metrics_referral_facility on case_metrics (network_id, referral_facility_id, ref_at)
  where referral_facility_id is not null;
create index case_metrics_county_facility on case_metrics (network_id, county_facility_id, ref_at)
  where county_facility_id is not null;

-- The capped list of flagged case ids (GET /api/metrics) reads only the few flagged rows of the
-- period (about 2 % of cases), newest first, instead of every case of the period.
create index case_metrics_flagged on case_metrics (network_id, ref_at) where flagged_metrics <> '{}';
