-- The province view by month and without grouping (GET /api/province/metrics) pools the cases
-- of every network in the scope: its groups span networks, so it cannot be composed from the
-- networks' own cached results as by network and by facility are. Computed on every request it
-- took 1.6 s at 10,000,000 cases. Its answer is cached here per scope (the set of networks),
-- grouping and period, with the QA version of each network it was computed from
-- (qa_versions, in the order of network_ids): exact while no version moved, and within the
-- request's maxAge after that, as a network part of the other groupings. The refresh tick
-- (workflows/runtime/metrics-refresh.ts) recomputes the views of the default period read in
-- the last day and forgets those nobody read for a week.
create table province_cache (
  scope        text not null,            -- sha-256 (hex) of the sorted network ids
  group_by     text not null check (group_by in ('month', 'none')),
  from_at      timestamptz not null,
  to_at        timestamptz not null,
  network_ids  uuid[] not null,          -- sorted
  versions     bigint[] not null,        -- qa_versions.version of each network, same order (0: none yet)
  result       jsonb not null,           -- { metrics, rates }: aggregates only, never case ids
  computed_at  timestamptz not null,
  read_at      timestamptz not null default now(),
  primary key (scope, group_by, from_at, to_at)
);
