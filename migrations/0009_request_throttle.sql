-- Request throttles shared by every API process on this database (several processes behind a
-- load balancer must count together): one fixed window per key, e.g. 'redeem:addr:10.0.0.7'.
-- See workflows/runtime/store/throttle.ts.
create table request_throttle (
  key          text primary key,
  window_start timestamptz not null,
  hits         integer not null
);
