/**
 * Response schemas shared by several route files: how a case, its events and deadlines travel on
 * the wire (workflows/views/case-view.ts, case-list.ts, time.ts). Deeply clinical parts whose
 * shape belongs to the core (checklist answers, advice, dose) are declared as objects, not
 * field by field; everything the screens key on is.
 */
import { z } from 'zod'
import { METRIC_KEYS, PHASES, RULE_KEYS } from '../../workflows/core/index.ts'
import { IsoTime, IsoTimeOrNull } from './contract.ts'

export const Bilingual = z.object({ zh: z.string(), en: z.string() })
const Json = z.record(z.string(), z.unknown())

export const DeadlineJson = z.object({
  rule: z.enum(RULE_KEYS),
  title: Bilingual,
  startAt: IsoTime,
  dueAt: IsoTime,
  warnAt: IsoTimeOrNull,
  status: z.enum(['pending', 'met', 'missed']),
  metAt: IsoTimeOrNull,
})

export const PatientJson = z.object({
  sex: z.enum(['male', 'female']),
  age: z.number(),
  weightKg: z.number().nullable().optional(),
  name: z.string().optional(),
  recordNumber: z.string().optional(),
})

export const CaseEventJson = z.object({
  id: z.uuid(),
  type: z.string(),
  at: IsoTime,
  recordedAt: IsoTime,
  by: z.uuid().nullable(),
  byName: z.string().nullable(),
  data: Json,
})

export const MetricValues = z.object(
  Object.fromEntries(METRIC_KEYS.map((k) => [k, z.number().nullable()])) as Record<
    (typeof METRIC_KEYS)[number],
    z.ZodNullable<z.ZodNumber>
  >,
)

export const QualityFlagJson = z.object({
  code: z.string(),
  metric: z.string().optional(),
  eventId: z.string().optional(),
  message: Bilingual,
})

const CaseStatus = z.enum(['active', 'closed'])
const Phase = z.enum(PHASES)

export const CaseListRow = z.object({
  id: z.uuid(),
  phase: Phase,
  status: CaseStatus,
  patient: PatientJson,
  facilityId: z.uuid(),
  facilityName: z.string().nullable(),
  currentFacilityId: z.uuid(),
  currentFacilityName: z.string().nullable(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
  fmcAt: IsoTimeOrNull,
  deadlines: z.array(DeadlineJson),
})

export const CaseViewJson = z.object({
  id: z.uuid(),
  networkId: z.uuid(),
  facilityId: z.uuid(),
  facilityName: z.string().nullable(),
  currentFacilityId: z.uuid(),
  currentFacilityName: z.string().nullable(),
  patient: PatientJson,
  phase: Phase,
  status: CaseStatus,
  createdAt: IsoTime,
  createdBy: z.uuid().nullable(),
  serverTime: IsoTime,
  events: z.array(CaseEventJson),
  metrics: MetricValues,
  deadlines: z.array(DeadlineJson),
  flags: z.array(QualityFlagJson),
  advice: Json.nullable(),
  checklist: Json.nullable(),
  checklistItems: z.object({
    variant: z.enum(['cn', 'esc']),
    absolute: z.array(z.string()),
    relative: z.array(z.string()),
  }),
  dose: Json.nullable(),
  lysisPacket: z.object({
    cotherapy: z.array(z.looseObject({ drug: z.string() })),
    medicationsGiven: z.array(z.looseObject({ at: IsoTime })),
    complications: z.array(z.looseObject({ at: IsoTime })),
  }),
  workingDiagnosis: z.string().nullable(),
  clinicalStatus: z.object({
    shockOrArrest: z.looseObject({ at: IsoTime }).nullable(),
    killipClass: z.number().int().nullable(),
    ischaemiaOrInstabilityAt: IsoTimeOrNull,
  }),
  decision: z.looseObject({ at: IsoTime, byName: z.string().nullable().optional() }).nullable(),
  consult: z
    .object({
      openedAt: IsoTime,
      acknowledgedBy: z.uuid().nullable(),
      acknowledgedByName: z.string().nullable(),
      acknowledgedAt: IsoTimeOrNull,
    })
    .nullable(),
  acknowledgements: z.array(z.looseObject({ at: IsoTime, by: z.uuid(), byName: z.string().nullable() })),
})
