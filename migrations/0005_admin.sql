-- Network administration (issue 8): drug regimens per facility, one-time sign-in codes, rota slot
-- provenance, the weekly rota template, and the first-line coverage function the guards and the
-- gaps view share.

-- Regimen text per drug on hand, e.g. {"alteplase": "15 mg bolus, 0.75 mg/kg over 30 min …"}.
-- Tenecteplase and rhTNK-tPA doses are computed by the core (SPEC §6); the others are configured here.
alter table facilities add column lysis_regimens jsonb not null default '{}'::jsonb;

-- One-time codes an admin hands to a user (first sign-in or password reset). Only the sha256 of the
-- code is stored; a code expires after 24 h, is spent on first use, and dies after 5 wrong tries.
create table user_codes (
  id               uuid primary key default gen_random_uuid(),
  user_id          uuid not null references users(id),
  code_hash        text not null unique,
  purpose          text not null check (purpose in ('initial', 'reset')),
  created_by       uuid references users(id),
  created_at       timestamptz not null default now(),
  expires_at       timestamptz not null,
  used_at          timestamptz,
  failed_attempts  integer not null default 0
);
create index user_codes_user on user_codes (user_id, created_at desc);

-- Where a slot came from. A swap is a newer slot over an interval: the latest-created slot wins.
alter table rota_slots add column kind text not null default 'manual' check (kind in ('manual', 'template', 'swap'));
alter table rota_slots add column note text;
alter table rota_slots add column created_by uuid references users(id);

-- The weekly template: [{weekday 1-7 (ISO, Monday = 1), startHour, endHour, line, userId}], local time.
create table rota_templates (
  network_id  uuid primary key references networks(id),
  entries     jsonb not null default '[]'::jsonb,
  updated_at  timestamptz not null default now(),
  updated_by  uuid references users(id)
);

-- The parts of [p_from, p_to) that no active cardiologist covers on the first line.
create function rota_first_line_gaps(p_network uuid, p_from timestamptz, p_to timestamptz)
returns tstzmultirange language sql stable as $$
  select tstzmultirange(tstzrange(p_from, p_to)) - coalesce(
    (select range_agg(tstzrange(greatest(r.starts_at, p_from), least(r.ends_at, p_to)))
       from rota_slots r
       join users u on u.id = r.user_id and u.active
      where r.network_id = p_network and r.line = 'first'
        and r.starts_at < p_to and r.ends_at > p_from
        and exists (select 1 from user_roles ur where ur.user_id = u.id and ur.role = 'cardiologist')),
    '{}'::tstzmultirange)
$$;
