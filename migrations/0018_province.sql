-- Province scale (docs/qa-api.md, "Province"): a set-based rebuild of the metric rollup, and
-- province-wide QA read access granted per network.

-- The rollup of migration 0007 rebuilt from case_metrics in three set-based statements: what the
-- statement triggers maintain row by row, computed at once. Bulk loaders (the benchmark
-- generator) insert with the rollup triggers disabled and call this afterwards; a test
-- (test/int/qa.int.test.ts) proves the rebuild equals what the triggers maintained.
create function metric_rollup_rebuild() returns void language plpgsql as $$
begin
  truncate metric_rollup, metric_bins;
  -- The facility cells from the projection, then the network-wide cells summed from those (half
  -- the rows to group than expanding every value twice).
  insert into metric_rollup (network_id, month, key, net, facility_id, flagged, val, n)
  select m.network_id, m.month, v.key, false, v.facility_id, v.flagged, v.val, count(*)
    from case_metrics m cross join lateral metric_values(m) v
   group by 1, 2, 3, 5, 6, 7;
  insert into metric_rollup (network_id, month, key, net, facility_id, flagged, val, n)
  select network_id, month, key, true, null, flagged, val, sum(n)
    from metric_rollup where not net
   group by 1, 2, 3, 6, 7;
  insert into metric_bins (network_id, month, key, net, facility_id, flagged, bin, n, n_lo, total)
  select network_id, month, key, net, facility_id, flagged, floor(val / 10)::int, sum(n),
         coalesce(sum(n) filter (where val = floor(val / 10) * 10), 0), sum(val::numeric * n)
    from metric_rollup group by 1, 2, 3, 4, 5, 6, 7;
end $$;

-- The capped case-id lists of GET /api/metrics (outside target, flagged) walk a network's
-- period newest first and test each case's metric value: with the values in the index the walk
-- is index-only and stops after `cap` hits, instead of fetching every case of the month from
-- the heap and sorting (EXPLAIN at 1,000,000 cases: ~1,500 heap rows per month and metric).
-- Same keys as the indexes they replace (migrations 0006 and 0007), so every other reader
-- keeps its plan; the included columns are the metrics accountable to that facility column
-- (FACILITY_COLUMN in workflows/runtime/store/metrics.ts).
drop index case_metrics_network_ref;
create index case_metrics_network_ref on case_metrics (network_id, ref_at)
  include (case_id, flagged_metrics, onset_to_fmc, fmc_to_ecg, ecg_to_diagnosis, door_to_needle,
           diagnosis_to_needle, door_in_door_out, door_to_wire, cath_lab_activation, fmc_to_wire,
           lysis_to_angiography, total_ischemic_time);
drop index case_metrics_fmc_facility;
create index case_metrics_fmc_facility on case_metrics (network_id, fmc_facility_id, ref_at)
  include (case_id, flagged_metrics, onset_to_fmc, fmc_to_ecg, fmc_to_wire, total_ischemic_time);
drop index case_metrics_ecg_facility;
create index case_metrics_ecg_facility on case_metrics (network_id, ecg_facility_id, ref_at)
  include (case_id, flagged_metrics, ecg_to_diagnosis) where ecg_facility_id is not null;
drop index case_metrics_lysis_facility;
create index case_metrics_lysis_facility on case_metrics (network_id, lysis_facility_id, ref_at)
  include (case_id, flagged_metrics, door_to_needle, diagnosis_to_needle) where lysis_facility_id is not null;
drop index case_metrics_referral_facility;
create index case_metrics_referral_facility on case_metrics (network_id, referral_facility_id, ref_at)
  include (case_id, flagged_metrics, door_in_door_out) where referral_facility_id is not null;
drop index case_metrics_county_facility;
create index case_metrics_county_facility on case_metrics (network_id, county_facility_id, ref_at)
  include (case_id, flagged_metrics, door_to_wire, cath_lab_activation, lysis_to_angiography)
  where county_facility_id is not null;

-- Province-wide QA (GET /api/province/metrics, docs/qa-api.md "Province"): a user holds the QA
-- role in one network (users.network_id); a network's admin grants a named QA user of another
-- network (the health commission's QA person) read access to this network's aggregates. Only
-- aggregates: no case id, no case (workflows/core/access.ts, provinceScope). Revoking = deleting
-- the row; the grant is read on every request.
create table qa_network_grants (
  user_id     uuid not null references users(id),
  network_id  uuid not null references networks(id),
  granted_by  uuid not null references users(id),
  granted_at  timestamptz not null default now(),
  primary key (user_id, network_id)
);

-- False cath lab activations per month (workflows/runtime/store/activations.ts): the activated
-- cases of the period, index-only, instead of every case of the network (a sequential scan of a
-- million-case network took as long as the whole dashboard).
create index case_metrics_activated on case_metrics (network_id, cath_lab_activated)
  include (diagnosis, outcome_at, wire, county_facility_id) where cath_lab_activated is not null;

-- The network what-if (workflows/runtime/store/what-if.ts): a network's STEMI cases of the last
-- months with the columns it reads, index-only.
create index case_metrics_stemi_what_if on case_metrics (network_id, ref_at)
  include (lysis_facility_id, referral_facility_id, fmc_facility_id, facility_id, referral_door_out,
           stemi_diagnosis, door_to_needle, door_in_door_out)
  where stemi;

-- The pooled percentile lookups of a province (several networks in one group: by month, or
-- none): the values of one key, month and 10-minute bin from every network in one range scan,
-- networks filtered inside the index, instead of one index descent per network and bin.
-- `val >= 0` holds for every row (minutes, 0/1 rates); only the pooled lookups state it, so
-- the planner never takes this index for a one-network lookup (it misestimates that lateral
-- and took it there: 0.4 s instead of 5 ms), which keeps the cell index (network first).
create index metric_rollup_pooled on metric_rollup (key, flagged, month, val) include (network_id, n)
  where net and val >= 0;
