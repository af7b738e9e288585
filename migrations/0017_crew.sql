-- The crew's screen (docs/ambulance.md): the vehicle leaving its station (WS/T 451 出车) is its
-- own time point, between dispatch and arrival on scene. The list mirrors
-- workflows/core/event-types.ts (test/int/schema-mirror.int.test.ts compares them).

alter table case_events drop constraint case_events_type_check;
alter table case_events add constraint case_events_type_check check (type in (
    'symptom_onset', 'first_medical_contact', 'arrived', 'ecg_acquired', 'ecg_transmitted',
    'consult_acknowledged', 'diagnosis', 'strategy', 'lysis_checklist', 'consent_started',
    'consent_signed', 'lysis_decision', 'lysis_bolus', 'lysis_end', 'reperfusion_assessment',
    'transfer_decided', 'departed', 'cath_lab_activated', 'cath_lab_ready', 'wire_crossed',
    'outcome', 'correction', 'note', 'alert_acknowledged',
    'clinical_status', 'medication_given', 'complication',
    'ems_call', 'ems_dispatched', 'ems_departed', 'ems_on_scene', 'ems_left_scene',
    'deadline_warning', 'deadline_missed', 'escalated', 'alert_repeated'));
