-- Clinical safety (docs/clinical-rules.md): new event types recorded on the case timeline.
-- The type CHECK mirrors EVENT_TYPES in workflows/core/event-types.ts (test/int/schema-mirror.int.test.ts).
alter table case_events drop constraint case_events_type_check;
alter table case_events add constraint case_events_type_check check (type in (
  'symptom_onset', 'first_medical_contact', 'arrived', 'ecg_acquired', 'ecg_transmitted',
  'consult_acknowledged', 'diagnosis', 'strategy', 'lysis_checklist', 'consent_started',
  'consent_signed', 'lysis_decision', 'lysis_bolus', 'lysis_end', 'reperfusion_assessment',
  'transfer_decided', 'departed', 'cath_lab_activated', 'cath_lab_ready', 'wire_crossed',
  'outcome', 'correction', 'note', 'alert_acknowledged',
  'clinical_status', 'medication_given', 'complication',
  'deadline_warning', 'deadline_missed', 'escalated', 'alert_repeated'));
