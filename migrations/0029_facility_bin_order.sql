-- A network's QA dashboard by facility (and each network's part of the province view by
-- facility, workflows/runtime/store/metrics.ts `binCells`) sums the facility histogram cells of
-- metric_bins (migration 0007) per (key, facility, flagged, bin) over the period's months, then
-- ranks the bins in that order. metric_bins_cell holds them by month first, so the statement
-- sorted every cell of the period before grouping: on one network of 200,000 cases (64,000
-- facility cells in 12 months, EXPLAIN ANALYZE, warm) the sort took 61 of its 133 ms. Read from
-- this index the cells arrive in that order: 66 ms, no sort. `key collate "C"` is the order the
-- statement groups by. The network-wide cells have their own (metric_bins_province_network,
-- migration 0025); this one holds only the facility cells. Cost on a write: the rollup trigger's
-- update of a facility cell changes n, n_lo and total, which this index includes, so each such
-- update inserts one entry here too (the updates were not HOT before either: migration 0025's
-- indexes include the same columns).
create index metric_bins_facility_order on metric_bins (network_id, key collate "C", facility_id, flagged, bin, month)
  include (n, n_lo, total) where not net;
