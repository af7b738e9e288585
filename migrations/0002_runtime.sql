-- Runtime tables shared by the clinical runtime, push delivery, QA and admin.

-- The pg-boss job currently armed for each (case, timer key): lets a transaction cancel or
-- re-arm exactly the timers a new event changes. Correctness never depends on it: firing
-- jobs re-derive the case (house style 5).
create table case_timers (
  case_id  uuid not null references cases(id),
  key      text not null,
  due_at   timestamptz not null,
  job_id   text,
  primary key (case_id, key)
);

-- A browser's Web Push subscription, tied to the signed-in user and device.
create table push_subscriptions (
  id               uuid primary key default gen_random_uuid(),
  user_id          uuid not null references users(id),
  endpoint         text not null unique,
  p256dh           text not null,
  auth             text not null,
  device           text,
  created_at       timestamptz not null default now(),
  last_success_at  timestamptz,
  last_failure_at  timestamptz,
  failure_count    integer not null default 0
);
create index push_subscriptions_user on push_subscriptions (user_id);

-- Who did or saw what: admin changes (before/after) and every read of a case or an ECG.
create table audit_log (
  id          bigint generated always as identity primary key,
  network_id  uuid references networks(id),
  actor_id    uuid references users(id),
  action      text not null,            -- e.g. 'case.view', 'ecg.view', 'facility.update'
  entity      text not null,            -- 'case', 'attachment', 'facility', 'user', 'rota', ...
  entity_id   text,
  before      jsonb,
  after       jsonb,
  device      text,
  at          timestamptz not null default now()
);
create index audit_log_entity on audit_log (entity, entity_id, at desc);
create index audit_log_network_at on audit_log (network_id, at desc);

create function audit_log_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only' using errcode = 'P0001';
end $$;
create trigger audit_log_no_update before update or delete on audit_log
  for each row execute function audit_log_append_only();
