-- The ambulance tier (docs/ambulance.md): ambulance units as facilities of the network, crews
-- as a facility-scoped role, EMS time points as events, and the transporting vehicle's positions.
-- The CHECK lists mirror workflows/core/roles.ts and workflows/core/event-types.ts
-- (test/int/schema-mirror.int.test.ts compares them).

alter table facilities drop constraint facilities_level_check;
alter table facilities add constraint facilities_level_check
  check (level in ('village', 'township', 'county', 'ambulance'));
-- An ambulance unit belongs to the county 120 center's facility or to a hospital that runs it.
alter table facilities add column parent_facility_id uuid references facilities(id);
-- Optional coordinates (WGS-84 degrees) for the position-corrected ETA; no map service needed.
alter table facilities add column lat double precision check (lat between -90 and 90);
alter table facilities add column lon double precision check (lon between -180 and 180);

alter table user_roles drop constraint user_roles_role_check;
alter table user_roles add constraint user_roles_role_check
  check (role in ('village_doctor', 'township_physician', 'cardiologist', 'cath_lab', 'qa', 'admin', 'ems_crew'));

alter table case_events drop constraint case_events_type_check;
alter table case_events add constraint case_events_type_check check (type in (
    'symptom_onset', 'first_medical_contact', 'arrived', 'ecg_acquired', 'ecg_transmitted',
    'consult_acknowledged', 'diagnosis', 'strategy', 'lysis_checklist', 'consent_started',
    'consent_signed', 'lysis_decision', 'lysis_bolus', 'lysis_end', 'reperfusion_assessment',
    'transfer_decided', 'departed', 'cath_lab_activated', 'cath_lab_ready', 'wire_crossed',
    'outcome', 'correction', 'note', 'alert_acknowledged',
    'clinical_status', 'medication_given', 'complication',
    'ems_call', 'ems_dispatched', 'ems_on_scene', 'ems_left_scene',
    'deadline_warning', 'deadline_missed', 'escalated', 'alert_repeated'));

-- Positions of the transporting vehicle. Telemetry, not clinical events: a few fixes a minute
-- would drown the append-only case log and its replay, and a lost fix changes no clinical fact.
create table case_positions (
  id          bigint generated always as identity primary key,
  case_id     uuid not null references cases(id),
  at          timestamptz not null,
  lat         double precision not null check (lat between -90 and 90),
  lon         double precision not null check (lon between -180 and 180),
  accuracy_m  double precision not null check (accuracy_m >= 0),
  by          uuid not null references users(id),
  recorded_at timestamptz not null default now(),
  -- a phone re-sending a fix after a dead zone must not duplicate it
  unique (case_id, at)
);
create index case_positions_case on case_positions (case_id, at desc);
