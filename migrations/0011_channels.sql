-- Alert channels beside Web Push (docs/alert-channels.md): WeCom, SMS and voice, one escalation
-- ladder per alert kind, and a row for every attempt to reach someone.

-- People carry a mobile number (marked verified by the admin) and their WeCom user id.
alter table users
  add column mobile text check (mobile ~ '^(\+86)?1[3-9][0-9]{9}$'),
  add column mobile_verified boolean not null default false,
  add column wecom_user_id text check (wecom_user_id ~ '^[A-Za-z0-9_.@-]{1,64}$');
create unique index users_wecom_user on users (network_id, wecom_user_id) where wecom_user_id is not null;

-- The network's own ladders; absent kinds use the defaults of workflows/core/ladder.ts.
create table alert_ladders (
  network_id  uuid not null references networks(id),
  kind        text not null check (kind in ('consult', 'deadline', 'repeat', 'info')),
  steps       jsonb not null,
  updated_at  timestamptz not null default now(),
  updated_by  uuid references users(id),
  primary key (network_id, kind)
);

-- Per-network vendor settings. `config` holds what may be shown (ids, sign name, template codes);
-- `secrets` is sealed with XINLIAN_SECRET_KEY (AES-256-GCM, workflows/runtime/platform/secret-box.ts),
-- and so is the callback token that authenticates provider callbacks without a signature.
create table channel_settings (
  network_id      uuid not null references networks(id),
  channel         text not null check (channel in ('wecom', 'sms', 'voice')),
  provider        text not null check (provider in ('wecom', 'aliyun', 'tencent')),
  config          jsonb not null,
  secrets         text not null,
  secret_hints    jsonb not null,          -- per secret: set + last 4 characters
  callback_token  text not null,           -- sealed
  updated_at      timestamptz not null default now(),
  updated_by      uuid references users(id),
  primary key (network_id, channel)
);

-- Every attempt to reach one person on one channel for one alert (one ladder step).
create table channel_attempts (
  id               uuid primary key,
  network_id       uuid not null references networks(id),
  alert_id         uuid not null references alerts(id),
  case_id          uuid not null references cases(id),
  user_id          uuid not null references users(id),
  step             integer not null,
  channel          text not null check (channel in ('webpush', 'wecom', 'sms', 'voice')),
  provider         text not null,
  -- the number, WeCom id or 'devices' the attempt went to; the caps count per address
  address          text,
  status           text not null check (status in ('queued', 'sent', 'failed', 'capped', 'duplicate', 'unreachable', 'stopped')),
  dedupe_key       text,
  -- what the channel says (the patient summary without the name), built when the step ran
  message          jsonb not null default '{}'::jsonb,
  provider_id      text,
  answer           text,
  created_at       timestamptz not null default now(),
  sent_at          timestamptz,
  delivered_at     timestamptz,
  delivery         text,
  answered_at      timestamptz,
  key_pressed      text,
  acknowledged_at  timestamptz,
  unique (alert_id, step, user_id, channel)
);
create index channel_attempts_case on channel_attempts (case_id, created_at);
create index channel_attempts_caps on channel_attempts (channel, address, created_at)
  where status in ('queued', 'sent');
create index channel_attempts_provider on channel_attempts (channel, provider_id) where provider_id is not null;
-- SMS de-duplication: one message per number for the same alert of the same case.
create unique index channel_attempts_sms_dedupe on channel_attempts (address, dedupe_key)
  where channel = 'sms' and status in ('queued', 'sent');

-- Callbacks already handled (WeCom events, provider reports): a replay is a no-op.
create table channel_callbacks (
  network_id  uuid not null references networks(id),
  key         text not null,
  at          timestamptz not null default now(),
  primary key (network_id, key)
);

-- WeCom web authorization: the `state` handed to WeCom, single use, short-lived.
create table wecom_oauth_states (
  state       text primary key,
  network_id  uuid not null references networks(id),
  next_path   text not null,
  created_at  timestamptz not null default now(),
  used_at     timestamptz
);
