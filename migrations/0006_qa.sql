-- QA projection (issue 6): one row per case with the corrected registry time points (SPEC §3),
-- the SPEC §5 metrics computed by the pure core, and the data-quality verdict. Written inside
-- the event's transaction by workflows/runtime/project-metrics.ts, so every aggregate sees a
-- correction the moment it commits. The event log stays the truth: every row is
-- registryRecord(fold(events)), so it can be rebuilt from the log (no backfill command yet).

create table case_metrics (
  case_id                  uuid primary key references cases(id),
  network_id               uuid not null references networks(id),
  -- Where care began (FMC facility) and the case's reference time: FMC, else case creation.
  facility_id              uuid not null,
  ref_at                   timestamptz not null,
  -- Calendar month of ref_at in China time (the registry reports per month, Asia/Shanghai).
  month                    date not null,

  -- Registry time points (national chest-pain-center data platform), corrections applied.
  symptom_onset            timestamptz,
  onset_approximate        boolean not null default false,
  arrival_mode             text,
  fmc                      timestamptz,
  fmc_facility_id          uuid,
  first_ecg                timestamptz,
  ecg_facility_id          uuid,              -- where the first ECG was transmitted from
  ecg_transmitted          timestamptz,       -- = consult requested
  ecg_via                  text,
  consult_acknowledged     timestamptz,
  first_diagnosis          timestamptz,
  diagnosis                text,              -- working (latest) diagnosis
  stemi_diagnosis          timestamptz,
  strategy                 text,
  referral_facility_id     uuid,              -- first non-PCI facility that transferred
  referral_door_in         timestamptz,
  transfer_decided         timestamptz,
  referral_door_out        timestamptz,
  consent_started          timestamptz,
  consent_signed           timestamptz,
  checklist_result         text,
  lysis_decision           text,
  lysis_facility_id        uuid,
  lysis_door_in            timestamptz,
  lysis_start              timestamptz,       -- needle time (bolus)
  lysis_end                timestamptz,
  lysis_drug               text,
  lysis_dose_mg            real,
  lysis_dose_fraction      text,
  reperfusion_at           timestamptz,
  reperfusion              boolean,           -- ST resolution >= 50 %
  rescue_pci               boolean,
  county_facility_id       uuid,
  county_door_in           timestamptz,
  bypassed_ed              boolean,
  bypassed_ccu             boolean,
  cath_lab_activated       timestamptz,
  cath_lab_ready           timestamptz,
  wire                     timestamptz,
  outcome                  text,
  outcome_at               timestamptz,

  -- SPEC §5 metrics in minutes (0.1 min), null when not computable. double precision, so a
  -- stored value is exactly the core's JS number and SQL percentiles equal the core's.
  onset_to_fmc             double precision,
  fmc_to_ecg               double precision,
  ecg_to_diagnosis         double precision,
  door_to_needle           double precision,
  diagnosis_to_needle      double precision,
  door_in_door_out         double precision,
  door_to_wire             double precision,
  cath_lab_activation      double precision,
  fmc_to_wire              double precision,
  lysis_to_angiography     double precision,
  total_ischemic_time      double precision,
  -- Metric keys carrying a data-quality flag: excluded from aggregates, listed separately.
  flagged_metrics          text[] not null default '{}',

  -- Data quality.
  flag_codes               text[] not null default '{}',
  completeness             real not null default 1,
  entered_late             boolean not null default false,
  corrected                boolean not null default false,
  stemi                    boolean not null default false,
  closed                   boolean not null default false,
  updated_at               timestamptz not null default now()
);
-- Every QA query is "this network, this period": the range index drives scans by month;
-- the facility index serves the township/facility filter and the per-facility quality view.
create index case_metrics_network_ref on case_metrics (network_id, ref_at);
create index case_metrics_network_month on case_metrics (network_id, month, facility_id);
create index case_metrics_flags on case_metrics using gin (flag_codes);

-- Audit sample for re-abstraction from the paper record (NCDR practice): n random cases per
-- facility per month, drawn with a stored seed so the draw can be reproduced and verified.
create table audit_samples (
  id            uuid primary key default gen_random_uuid(),
  network_id    uuid not null references networks(id),
  month         date not null,
  per_facility  integer not null check (per_facility between 1 and 100),
  seed          text not null,
  created_by    uuid not null references users(id),
  created_at    timestamptz not null default now()
);
create index audit_samples_network on audit_samples (network_id, month);

create table audit_sample_cases (
  sample_id    uuid not null references audit_samples(id),
  case_id      uuid not null references cases(id),
  facility_id  uuid not null,
  primary key (sample_id, case_id)
);

-- One re-abstracted value per (sample, case, time point); a second entry replaces the first
-- (the QA nurse corrects a typo), and the replaced value is kept in audit_log.
create table audit_abstractions (
  sample_id     uuid not null,
  case_id       uuid not null,
  time_point    text not null,
  paper_value   timestamptz,
  system_value  timestamptz,
  recorded_by   uuid not null references users(id),
  recorded_at   timestamptz not null default now(),
  primary key (sample_id, case_id, time_point),
  foreign key (sample_id, case_id) references audit_sample_cases(sample_id, case_id)
);

-- Metrics result cache (GET /api/metrics). A network's `version` is bumped in the same
-- transaction as any change to one of its projection rows, so a cached result is used only
-- while no case of the network has changed since it was computed: a correction moves the
-- aggregate at once. Percentiles are exact (percentile_cont); the cache is what keeps a
-- dashboard over a very large network under a second when nothing has changed.
create table qa_versions (
  network_id  uuid primary key references networks(id),
  version     bigint not null default 0
);

create table metrics_cache (
  network_id   uuid not null references networks(id),
  params       text not null,
  version      bigint not null,
  result       jsonb not null,
  computed_at  timestamptz not null default now(),
  primary key (network_id, params)
);
