-- Case projection and alerts, maintained by the runtime in the event's transaction.

-- Every facility the patient passed through or was sent to: the scope check for village and
-- township staff (they see the cases that touched their facility).
alter table cases add column facility_ids uuid[] not null default '{}';
create index cases_facility_ids on cases using gin (facility_ids);

-- Alerts handed to the notifier: who was meant to get what, when (push delivery lands in 0004).
create table alerts (
  id           uuid primary key default gen_random_uuid(),
  case_id      uuid not null references cases(id),
  network_id   uuid not null references networks(id),
  template     text not null,
  rule         text,
  alert_key    text,
  recipients   uuid[] not null default '{}',
  payload      jsonb not null default '{}'::jsonb,
  created_at   timestamptz not null default now()
);
create index alerts_case on alerts (case_id, created_at);
create index alerts_recipients on alerts using gin (recipients);
