import type { CaseState, NetworkInfo } from '../core/index.ts'
import type { CaseRow } from './case-row.ts'
import { iso as isoOrNull } from './time.ts'

const SNOMED = 'http://snomed.info/sct'
const LOINC = 'http://loinc.org'
const iso = (t: number | null) => isoOrNull(t) ?? undefined

/** SNOMED CT codes we are sure of; anything else is sent as text only. */
const DIAGNOSIS_CODES: Record<string, { code: string; display: string } | undefined> = {
  stemi: { code: '401303003', display: 'Acute ST segment elevation myocardial infarction' },
  nstemi: { code: '401314000', display: 'Acute non-ST segment elevation myocardial infarction' },
  unstable_angina: { code: '4557003', display: 'Preinfarction syndrome' },
  aortic_dissection: { code: '308546005', display: 'Dissection of aorta' },
  pulmonary_embolism: { code: '59282003', display: 'Pulmonary embolism' },
}

interface Entry {
  fullUrl: string
  resource: Record<string, unknown>
}

/**
 * A FHIR R4 Bundle (type collection) of one case: Patient (minimal: no name unless recorded,
 * gender, a birth year approximated from the age and marked as such), one Encounter per
 * facility visited, an Observation per ECG and for the diagnosis, MedicationAdministration for
 * the bolus, Procedure for PCI (wire crossing). Every reference is a `urn:uuid:` fullUrl of the
 * same bundle; ids derive from the case and event ids, so the export is reproducible.
 */
export function fhirBundle(
  row: CaseRow,
  state: CaseState,
  network: NetworkInfo,
  /** Name-based UUID of its parts (workflows/runtime/ids.ts derivedUuid): the same parts, the same id. */
  uuidOf: (...parts: string[]) => string,
) {
  const p = state.points
  const url = (...parts: string[]) => `urn:uuid:${uuidOf('fhir', row.id, ...parts)}`
  const entries: Entry[] = []
  const patientUrl = url('patient')
  const refYear = new Date(p.fmc ?? row.createdAt.getTime()).getUTCFullYear()
  const patient: Record<string, unknown> = {
    resourceType: 'Patient',
    identifier: [{ system: 'urn:xinlian:case', value: row.id }],
    gender: row.patient.sex,
    birthDate: String(refYear - row.patient.age),
    // The birth year is approximated from the recorded age; say so where a human reads it.
    text: {
      status: 'generated',
      div: `<div xmlns="http://www.w3.org/1999/xhtml">Age ${row.patient.age} at first contact; birth year approximated</div>`,
    },
  }
  if (row.patient.name) patient.name = [{ text: row.patient.name }]
  entries.push({ fullUrl: patientUrl, resource: patient })

  const visited = new Map<string, { start: number; end: number | null }>()
  const startFacility = p.startFacilityId
  if (p.fmc !== null) visited.set(startFacility, { start: p.fmc, end: null })
  for (const a of p.arrivals)
    if (!visited.has(a.facilityId)) visited.set(a.facilityId, { start: a.at, end: null })
  for (const d of p.departures) {
    const v = visited.get(d.facilityId)
    if (v && v.end === null) v.end = d.at
  }
  const encounterUrl = new Map<string, string>()
  for (const [facilityId, v] of visited) {
    const fullUrl = url('encounter', facilityId)
    encounterUrl.set(facilityId, fullUrl)
    const f = network.facilities.find((x) => x.id === facilityId)
    entries.push({
      fullUrl,
      resource: {
        resourceType: 'Encounter',
        status: state.closed || v.end !== null ? 'finished' : 'in-progress',
        class: {
          system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
          code: 'EMER',
          display: 'emergency',
        },
        subject: { reference: patientUrl },
        period: { start: iso(v.start), end: iso(v.end) },
        serviceProvider: { display: f?.name ?? facilityId, identifier: { value: facilityId } },
      },
    })
  }
  const encounterAt = (t: number) => {
    let current = startFacility
    for (const a of p.arrivals) if (a.at <= t) current = a.facilityId
    const ref = encounterUrl.get(current)
    return ref ? { reference: ref } : undefined
  }

  for (const e of state.effective.filter((x) => x.type === 'ecg_acquired'))
    entries.push({
      fullUrl: url('ecg', e.id),
      resource: {
        resourceType: 'Observation',
        status: 'final',
        category: [
          {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/observation-category',
                code: 'procedure',
              },
            ],
          },
        ],
        code: {
          coding: [{ system: LOINC, code: '11524-6', display: 'EKG study' }],
          text: '12-lead ECG',
        },
        subject: { reference: patientUrl },
        encounter: encounterAt(e.at),
        effectiveDateTime: iso(e.at),
      },
    })
  const dx = p.diagnoses[p.diagnoses.length - 1]
  if (dx) {
    const coded = DIAGNOSIS_CODES[dx.diagnosis]
    entries.push({
      fullUrl: url('diagnosis'),
      resource: {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'ECG interpretation (remote read)' },
        subject: { reference: patientUrl },
        encounter: encounterAt(dx.at),
        effectiveDateTime: iso(dx.at),
        valueCodeableConcept: coded
          ? { coding: [{ system: SNOMED, ...coded }], text: dx.diagnosis }
          : { text: dx.diagnosis },
      },
    })
  }
  if (p.bolus) {
    entries.push({
      fullUrl: url('bolus'),
      resource: {
        resourceType: 'MedicationAdministration',
        status: 'completed',
        medicationCodeableConcept: { text: p.bolus.drug ?? 'fibrinolytic' },
        subject: { reference: patientUrl },
        context: encounterAt(p.bolus.at),
        effectiveDateTime: iso(p.bolus.at),
        dosage: {
          text: p.bolus.doseFraction ? `${p.bolus.doseFraction} dose` : undefined,
          route: { coding: [{ system: SNOMED, code: '47625008', display: 'Intravenous route' }] },
          dose:
            p.bolus.doseMg === null
              ? undefined
              : { value: p.bolus.doseMg, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' },
        },
      },
    })
  }
  if (p.wire !== null) {
    entries.push({
      fullUrl: url('pci'),
      resource: {
        resourceType: 'Procedure',
        status: 'completed',
        code: {
          coding: [{ system: SNOMED, code: '415070008', display: 'Percutaneous coronary intervention' }],
          text: 'Primary/rescue PCI (wire crossing time)',
        },
        subject: { reference: patientUrl },
        encounter: encounterAt(p.wire),
        performedDateTime: iso(p.wire),
      },
    })
  }
  return {
    resourceType: 'Bundle',
    type: 'collection',
    timestamp: new Date(state.events.at(-1)?.recordedAt ?? row.createdAt.getTime()).toISOString(),
    entry: entries,
  }
}
