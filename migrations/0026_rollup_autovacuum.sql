-- The QA percentile lookups (metric_rollup_cell) and the province bins (metric_bins) are
-- index-only scans: PostgreSQL reads the heap row of every index entry on a page the visibility
-- map does not mark all-visible. With the default thresholds autovacuum visits a table only
-- after 20 % of its rows changed (10 % for analyze), which on a rollup of tens of millions of
-- rows is months of event POSTs updating the current month's cells: meanwhile the map erodes and
-- every lookup pays a heap fetch per row. Measured on 5 networks × 200,000 cases right after
-- generation, 7,017 of 51,752 rollup pages all-visible: one network's metrics by facility took
-- 1.1 s cold, 0.34 s after `vacuum metric_rollup` (0.9 s). One percent keeps the map fresh at
-- the cost of a vacuum pass over the changed pages, which autovacuum throttles itself.
alter table metric_rollup set (
  autovacuum_vacuum_scale_factor = 0.01,
  autovacuum_vacuum_insert_scale_factor = 0.01,
  autovacuum_analyze_scale_factor = 0.02
);
alter table metric_bins set (
  autovacuum_vacuum_scale_factor = 0.01,
  autovacuum_vacuum_insert_scale_factor = 0.01,
  autovacuum_analyze_scale_factor = 0.02
);
