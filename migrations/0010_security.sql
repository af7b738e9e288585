-- Security controls (docs/security.md): per-network security policy, login throttle shared by every
-- API process, TOTP second factor with recovery codes and remembered devices, password history,
-- and a tamper-evident hash chain over audit_log.

-- One row per network; a network without a row uses the defaults below (see
-- workflows/runtime/security/policy.ts, which mirrors them).
create table security_policies (
  network_id              uuid primary key references networks(id),
  -- 'required': admin, QA and cardiologist accounts must complete a TOTP second factor.
  mfa                     text not null default 'off' check (mfa in ('off', 'required')),
  password_min_length     integer not null default 10 check (password_min_length between 8 and 128),
  -- character classes: lower case, upper case, digits, other
  password_min_classes    integer not null default 3 check (password_min_classes between 1 and 4),
  -- the last N passwords may not be reused
  password_history        integer not null default 5 check (password_history between 0 and 24),
  -- shared tablets: a session unused for this long expires (null = only the absolute expiry);
  -- sessions opened on a remembered device (after the second factor) are exempt.
  idle_timeout_minutes    integer check (idle_timeout_minutes between 1 and 1440),
  -- the audit trail is kept at least this long (等保 2.0 level 3: at least 6 months)
  audit_retention_months  integer not null default 6 check (audit_retention_months >= 6),
  updated_at              timestamptz not null default now(),
  updated_by              uuid references users(id)
);

-- Failed sign-ins, one row each: the throttle counts them per address, per username and in total,
-- so every API process on this database sees the same counts. Rows older than a day are pruned.
create table login_failures (
  id        bigint generated always as identity primary key,
  at        timestamptz not null default now(),
  address   text not null,
  username  text not null
);
create index login_failures_address on login_failures (address, at);
create index login_failures_username on login_failures (username, at);
create index login_failures_at on login_failures (at);

-- A TOTP secret per user, sealed with XINLIAN_SECRET_KEY (AES-256-GCM, see
-- workflows/runtime/platform/secret-box.ts). confirmed_at null = enrolment started, not finished.
create table user_mfa (
  user_id        uuid primary key references users(id),
  secret_sealed  text not null,
  confirmed_at   timestamptz,
  -- the last accepted time step: a code is accepted once (RFC 6238 §5.2)
  last_step      bigint,
  created_at     timestamptz not null default now()
);

-- Ten one-time recovery codes per enrolment; only their sha256 is stored (the codes are random,
-- 60 bits each, so a fast hash is enough; no dictionary to search).
create table mfa_recovery_codes (
  id         uuid primary key default gen_random_uuid(),
  user_id    uuid not null references users(id),
  code_hash  text not null,
  used_at    timestamptz,
  unique (user_id, code_hash)
);

-- Between the password and the second factor: a short-lived challenge (sha256 of the token).
create table mfa_challenges (
  token_hash  text primary key,
  user_id     uuid not null references users(id),
  expires_at  timestamptz not null,
  attempts    integer not null default 0,
  device      text
);
create index mfa_challenges_user on mfa_challenges (user_id);

-- A device remembered after the second factor (cookie xl_device; sha256 of the token stored).
create table remembered_devices (
  id            uuid primary key default gen_random_uuid(),
  user_id       uuid not null references users(id),
  token_hash    text not null unique,
  device        text,
  created_at    timestamptz not null default now(),
  expires_at    timestamptz not null,
  last_used_at  timestamptz not null default now(),
  revoked_at    timestamptz
);
create index remembered_devices_user on remembered_devices (user_id);

-- Earlier password hashes, for the history rule.
create table password_history (
  user_id        uuid not null references users(id),
  password_hash  text not null,
  set_at         timestamptz not null default now()
);
create index password_history_user on password_history (user_id, set_at desc);

-- Sessions: an id to name one in the list without exposing its token, and whether it was opened
-- through the second factor on a remembered device (then the idle timeout does not apply).
alter table sessions add column id uuid not null default gen_random_uuid();
alter table sessions add constraint sessions_id_unique unique (id);
alter table sessions add column remembered boolean not null default false;

-- Tamper-evident audit trail: every row carries sha256(previous row's hash || its own canonical
-- content), chained per network (rows without a network form their own chain). The head of each
-- chain is one row, locked by the inserting transaction, so concurrent writers append in a
-- strict order (chain_seq); `npm run audit:verify` walks the chains (api/cli/audit-verify.ts).
alter table audit_log add column chain_seq bigint;
alter table audit_log add column prev_hash text;
alter table audit_log add column hash text;

create table audit_chain_heads (
  chain      text primary key,
  seq        bigint not null,
  hash       text not null
);

-- The canonical content of an audit row: fixed field order, UTC microseconds, jsonb's own
-- normalised text; NULL spelled as \N so that '' and NULL differ.
create function audit_row_content(r audit_log) returns text language sql immutable as $$
  select concat_ws('|',
    r.chain_seq::text,
    coalesce(r.network_id::text, '\N'),
    coalesce(r.actor_id::text, '\N'),
    r.action,
    r.entity,
    coalesce(r.entity_id, '\N'),
    coalesce(r.before::text, '\N'),
    coalesce(r.after::text, '\N'),
    coalesce(r.device, '\N'),
    (extract(epoch from r.at) * 1000000)::bigint::text)
$$;

create function audit_row_hash(prev text, r audit_log) returns text language sql immutable as $$
  select encode(sha256(convert_to(prev || '|' || audit_row_content(r), 'UTF8')), 'hex')
$$;

-- The first hash of every chain.
create function audit_genesis(chain text) returns text language sql immutable as $$
  select encode(sha256(convert_to('xinlian-audit-genesis|' || chain, 'UTF8')), 'hex')
$$;

create function audit_log_chain() returns trigger language plpgsql as $$
declare
  k text := coalesce(new.network_id::text, '-');
  h audit_chain_heads;
begin
  insert into audit_chain_heads (chain, seq, hash) values (k, 0, audit_genesis(k))
    on conflict (chain) do nothing;
  select * into h from audit_chain_heads where chain = k for update;
  new.chain_seq := h.seq + 1;
  new.prev_hash := h.hash;
  new.hash := audit_row_hash(h.hash, new);
  update audit_chain_heads set seq = new.chain_seq, hash = new.hash where chain = k;
  return new;
end $$;

-- Rows written before this migration are chained now, in id order (the trigger is not yet there,
-- and the append-only trigger is suspended for this one statement sequence).
alter table audit_log disable trigger audit_log_no_update;
do $$
declare
  r audit_log;
  k text;
  h audit_chain_heads;
begin
  for r in select * from audit_log order by id loop
    k := coalesce(r.network_id::text, '-');
    insert into audit_chain_heads (chain, seq, hash) values (k, 0, audit_genesis(k))
      on conflict (chain) do nothing;
    select * into h from audit_chain_heads where chain = k;
    r.chain_seq := h.seq + 1;
    r.prev_hash := h.hash;
    r.hash := audit_row_hash(h.hash, r);
    update audit_log set chain_seq = r.chain_seq, prev_hash = r.prev_hash, hash = r.hash where id = r.id;
    update audit_chain_heads set seq = r.chain_seq, hash = r.hash where chain = k;
  end loop;
end $$;
alter table audit_log enable trigger audit_log_no_update;

create trigger audit_log_chain before insert on audit_log
  for each row execute function audit_log_chain();
create index audit_log_chain_order on audit_log ((coalesce(network_id::text, '-')), chain_seq);

-- Several API processes on one database: each caches network facts (facilities, travel times,
-- network settings; workflows/runtime/network-cache.ts). Any change to them notifies every
-- process, which drops its cached copy at once; the cache's time limit stays as the fallback
-- for a notification lost while a listener reconnects.
create function network_changed() returns trigger language plpgsql as $$
declare
  r jsonb := to_jsonb(coalesce(new, old));
begin
  -- networks carry their id; facilities and travel_times their network_id
  perform pg_notify('xinlian_network_changed', coalesce(r->>'network_id', r->>'id'));
  return null;
end $$;
create trigger networks_changed after insert or update or delete on networks
  for each row execute function network_changed();
create trigger facilities_changed after insert or update or delete on facilities
  for each row execute function network_changed();
create trigger travel_times_changed after insert or update or delete on travel_times
  for each row execute function network_changed();
