-- Reporting to the national chest-pain-center data platform (docs/registry-platform.md).

-- The region as the platform wants it (Chinese text) and each facility's platform code.
alter table networks add column region jsonb not null default '{}'::jsonb;
alter table facilities add column platform_code text;

-- Credentials of a reporting PCI hospital; the secret is sealed with XINLIAN_SECRET_KEY.
create table platform_credentials (
  facility_id   uuid primary key references facilities(id),
  network_id    uuid not null references networks(id),
  app_id        text not null,
  secret_sealed text not null,
  secret_last4  text not null,
  updated_by    uuid references users(id),
  updated_at    timestamptz not null default now()
);

-- One row per case once QA has looked at it. 'needs_update' is derived at read time (an event
-- stored after the last successful report), so a correction never has to touch this table.
create table registry_reports (
  case_id        uuid primary key references cases(id),
  network_id     uuid not null references networks(id),
  facility_id    uuid not null references facilities(id),
  status         text not null check (status in ('reviewed', 'reporting', 'reported', 'failed')),
  reviewed_by    uuid references users(id),
  reviewed_at    timestamptz,
  register_id    text,
  reported_at    timestamptz,
  -- the last event recorded when the report was built: later events mean "needs update"
  reported_upto  timestamptz,
  updated_at     timestamptz not null default now()
);
create index registry_reports_network on registry_reports (network_id, status);

-- Every request and answer, kept without secrets (the body is what was sent; headers are not kept).
create table registry_attempts (
  id           uuid primary key default gen_random_uuid(),
  case_id      uuid not null references cases(id),
  request_id   uuid not null,
  at           timestamptz not null default now(),
  dry_run      boolean not null default false,
  body         jsonb not null,
  http_status  int,
  result_code  int,
  message      text,
  errors       jsonb
);
create index registry_attempts_case on registry_attempts (case_id, at);
