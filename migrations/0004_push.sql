-- ECG attachments, Web Push delivery (deliveries, attempts log) and on-call readiness.

-- ECG photos and PDFs, stored in PostgreSQL (bytea), not as files under the data dir: at ≤ 15 MB
-- per file and a few per case, one store keeps backups, replication and transactions in one place
-- (an upload and its row commit or roll back together; no orphan files, no second backup job).
-- Immutable once written: a wrong ECG is replaced by uploading another.
create table attachments (
  id            uuid primary key default gen_random_uuid(),
  case_id       uuid not null references cases(id),
  network_id    uuid not null references networks(id),
  -- detected from the magic bytes, never the declared type
  content_type  text not null check (content_type in ('image/jpeg', 'image/png', 'image/heic', 'image/heif', 'application/pdf')),
  size          integer not null check (size > 0 and size <= 15 * 1024 * 1024),
  sha256        text not null,
  data          bytea not null,
  uploaded_by   uuid not null references users(id),
  created_at    timestamptz not null default now()
);
-- JPEG/PNG/HEIC/PDF are already compressed: keep TOAST from trying again.
alter table attachments alter column data set storage external;
create index attachments_case on attachments (case_id, created_at);

create function attachments_immutable() returns trigger language plpgsql as $$
begin
  raise exception 'attachments are immutable' using errcode = 'P0001';
end $$;
create trigger attachments_no_update before update on attachments
  for each row execute function attachments_immutable();

-- Subscriptions: the last push-service answer, for the readiness page.
alter table push_subscriptions add column last_status integer;
alter table push_subscriptions add column updated_at timestamptz not null default now();

-- On-call readiness (SPEC §2): one check per rota slot and person, created at the slot's start.
create table readiness_checks (
  id            uuid primary key default gen_random_uuid(),
  network_id    uuid not null references networks(id),
  -- no foreign key: admins edit and delete slots (store/rota-admin.ts); the check's history stays
  slot_id       uuid not null,
  user_id       uuid not null references users(id),
  line          text not null check (line in ('first', 'second')),
  slot_starts_at timestamptz not null,
  sent_at       timestamptz not null default now(),
  devices       integer not null default 0,
  delivered_at  timestamptz,              -- a push service accepted the readiness push
  tapped_at     timestamptz,              -- the cardiologist confirmed on the device
  problem       text check (problem in ('no_subscription', 'push_failed', 'no_tap')),
  reported_at   timestamptz,              -- admin(s) and second-line were alerted
  unique (slot_id, user_id)
);
create index readiness_checks_network on readiness_checks (network_id, sent_at desc);

-- One push to one device: a clinical alert (alert_id) or a readiness push (readiness_id).
-- The payload is built in the alert's transaction; a pg-boss `push-send` job carries the id.
create table push_deliveries (
  id               uuid primary key default gen_random_uuid(),
  network_id       uuid not null references networks(id),
  alert_id         uuid references alerts(id),
  readiness_id     uuid references readiness_checks(id),
  user_id          uuid not null references users(id),
  -- no foreign key: a subscription the push service reports gone is deleted, its history stays
  subscription_id  uuid not null,
  kind             text not null check (kind in ('consult', 'alert', 'readiness')),
  payload          jsonb not null,
  ttl_seconds      integer not null,
  topic            text,
  status           text not null default 'pending' check (status in ('pending', 'sent', 'gone', 'failed')),
  created_at       timestamptz not null default now(),
  finished_at      timestamptz,
  check ((alert_id is null) <> (readiness_id is null))
);
create index push_deliveries_alert on push_deliveries (alert_id);
create index push_deliveries_readiness on push_deliveries (readiness_id);

-- Every attempt and its result, for QA (never the payload: it holds patient data).
create table push_attempts (
  id               bigint generated always as identity primary key,
  network_id       uuid not null references networks(id),
  delivery_id      uuid not null references push_deliveries(id),
  case_id          uuid references cases(id),
  subscription_id  uuid not null,
  user_id          uuid not null references users(id),
  endpoint_host    text,
  attempt          integer not null,
  outcome          text not null check (outcome in ('sent', 'gone', 'retry', 'failed', 'refused', 'no_subscription')),
  status_code      integer,
  error            text,
  duration_ms      integer not null,
  at               timestamptz not null default now()
);
create index push_attempts_case on push_attempts (case_id, at);
create index push_attempts_network on push_attempts (network_id, at desc);
