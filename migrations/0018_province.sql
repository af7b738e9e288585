-- Province scale (docs/qa-api.md, "Province"): a set-based rebuild of the metric rollup, and
-- province-wide QA read access granted per network.

-- The rollup of migration 0007 rebuilt from case_metrics in two set-based statements: what the
-- statement triggers maintain row by row, computed at once. Bulk loaders (the benchmark
-- generator) insert with the rollup triggers disabled and call this afterwards; a test
-- (test/int/qa.int.test.ts) proves the rebuild equals what the triggers maintained.
create function metric_rollup_rebuild() returns void language plpgsql as $$
begin
  truncate metric_rollup, metric_bins;
  insert into metric_rollup (network_id, month, key, net, facility_id, flagged, val, n)
  select m.network_id, m.month, v.key, s.net, case when s.net then null else v.facility_id end, v.flagged, v.val,
         count(*)
    from case_metrics m cross join lateral metric_values(m) v cross join (values (false), (true)) as s(net)
   group by 1, 2, 3, 4, 5, 6, 7;
  insert into metric_bins (network_id, month, key, net, facility_id, flagged, bin, n, n_lo, total)
  select network_id, month, key, net, facility_id, flagged, floor(val / 10)::int, sum(n),
         coalesce(sum(n) filter (where val = floor(val / 10) * 10), 0), sum(val::numeric * n)
    from metric_rollup group by 1, 2, 3, 4, 5, 6, 7;
end $$;
