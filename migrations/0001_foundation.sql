-- Xinlian foundation schema: networks (tenants), facilities, people, rota, cases, the event log.
-- Enumerations mirror the TypeScript lists in workflows/core (a test compares them).

create extension if not exists pgcrypto;

create table networks (
  id          uuid primary key default gen_random_uuid(),
  name        text not null,
  name_en     text,
  -- checklist variant, expected county door-to-wire, ... (see api/routes/admin once it lands)
  settings    jsonb not null default '{}'::jsonb,
  is_demo     boolean not null default false,
  created_at  timestamptz not null default now()
);

create table facilities (
  id           uuid primary key default gen_random_uuid(),
  network_id   uuid not null references networks(id),
  name         text not null,
  name_en      text,
  level        text not null check (level in ('village', 'township', 'county')),
  address      text,
  has_cath_lab boolean not null default false,
  -- fibrinolytics on hand, e.g. {tenecteplase, rhTNK-tPA}; empty = cannot lyse
  lysis_drugs  text[] not null default '{}',
  active       boolean not null default true,
  created_at   timestamptz not null default now(),
  unique (id, network_id)
);
create index facilities_network on facilities (network_id);

-- Ground ambulance minutes by day, per direction.
create table travel_times (
  network_id        uuid not null references networks(id),
  from_facility_id  uuid not null,
  to_facility_id    uuid not null,
  minutes           integer not null check (minutes > 0 and minutes < 1440),
  primary key (from_facility_id, to_facility_id),
  foreign key (from_facility_id, network_id) references facilities(id, network_id),
  foreign key (to_facility_id, network_id) references facilities(id, network_id),
  check (from_facility_id <> to_facility_id)
);

create table users (
  id             uuid primary key default gen_random_uuid(),
  network_id     uuid not null references networks(id),
  username       text not null unique check (username ~ '^[a-z0-9._-]{2,64}$'),
  display_name   text not null,
  -- scrypt$N$r$p$salt$hash (node:crypto scrypt); never the password itself
  password_hash  text not null,
  active         boolean not null default true,
  created_at     timestamptz not null default now(),
  unique (id, network_id)
);

create table user_roles (
  user_id  uuid not null references users(id),
  role     text not null check (role in ('village_doctor', 'township_physician', 'cardiologist', 'cath_lab', 'qa', 'admin')),
  primary key (user_id, role)
);

-- Facility scope: which facilities a village doctor / township physician works at.
create table user_facilities (
  user_id      uuid not null references users(id),
  facility_id  uuid not null references facilities(id),
  primary key (user_id, facility_id)
);

create table sessions (
  -- sha256 of the bearer token; the token itself is never stored
  token_hash    text primary key,
  user_id       uuid not null references users(id),
  created_at    timestamptz not null default now(),
  expires_at    timestamptz not null,
  last_seen_at  timestamptz not null default now(),
  device        text
);
create index sessions_user on sessions (user_id);

-- On-call rota: who is first-line / second-line cardiologist for a time slot.
create table rota_slots (
  id          uuid primary key default gen_random_uuid(),
  network_id  uuid not null references networks(id),
  line        text not null check (line in ('first', 'second')),
  user_id     uuid not null,
  starts_at   timestamptz not null,
  ends_at     timestamptz not null,
  created_at  timestamptz not null default now(),
  foreign key (user_id, network_id) references users(id, network_id),
  check (ends_at > starts_at)
);
create index rota_slots_lookup on rota_slots (network_id, line, starts_at, ends_at);

create table cases (
  id           uuid primary key,
  network_id   uuid not null references networks(id),
  facility_id  uuid not null,
  -- sex, age, weightKg, name (optional). Patient data: never logged.
  patient      jsonb not null,
  created_by   uuid not null references users(id),
  created_at   timestamptz not null default now(),
  status       text not null default 'active' check (status in ('active', 'closed')),
  phase        text not null default 'triage',
  updated_at   timestamptz not null default now(),
  foreign key (facility_id, network_id) references facilities(id, network_id)
);
create index cases_network_status on cases (network_id, status, updated_at desc);

-- The truth: an append-only timeline. Corrections are new events, never edits.
create table case_events (
  id           uuid primary key,          -- client-made: the idempotency key
  seq          bigint generated always as identity unique,
  case_id      uuid not null references cases(id),
  type         text not null check (type in (
    'symptom_onset', 'first_medical_contact', 'arrived', 'ecg_acquired', 'ecg_transmitted',
    'consult_acknowledged', 'diagnosis', 'strategy', 'lysis_checklist', 'consent_started',
    'consent_signed', 'lysis_decision', 'lysis_bolus', 'lysis_end', 'reperfusion_assessment',
    'transfer_decided', 'departed', 'cath_lab_activated', 'cath_lab_ready', 'wire_crossed',
    'outcome', 'correction', 'note', 'alert_acknowledged',
    'deadline_warning', 'deadline_missed', 'escalated', 'alert_repeated')),
  at           timestamptz not null,      -- clinical time
  recorded_at  timestamptz not null default now(),
  by           uuid references users(id), -- null for system events
  data         jsonb not null default '{}'::jsonb,
  -- hash of the submitted body, to tell an idempotent retry from a different event reusing the id
  body_hash    text
);
create index case_events_case on case_events (case_id, seq);

create function case_events_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'case_events is append-only: % is not allowed (record a correction event instead)', tg_op
    using errcode = 'P0001';
end $$;
create trigger case_events_no_update before update or delete on case_events
  for each row execute function case_events_append_only();
create trigger case_events_no_truncate before truncate on case_events
  for each statement execute function case_events_append_only();

-- Small key/value store for generated secrets (VAPID keys when not in the environment).
create table app_settings (
  key         text primary key,
  value       jsonb not null,
  updated_at  timestamptz not null default now()
);
