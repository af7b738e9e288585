/**
 * The case, its people and its events as the core sees them (docs/clinical-rules.md). Events are
 * append-only; state is a fold over them (see fold.ts).
 */
import type { EventType } from './event-types.ts'
import type { Role } from './roles.ts'
import type { Instant } from './time.ts'

/** A text in the two languages of the product (zh default, en switchable; README.md). */
export interface Bilingual {
  zh: string
  en: string
}

export interface Patient {
  sex: 'male' | 'female'
  age: number
  weightKg?: number | null
}

export interface CaseInfo {
  id: string
  networkId: string
  /** Where the case was started (the facility of first contact). */
  facilityId: string
  patient: Patient
  createdBy: string
}

/** The signed-in user recording an event. */
export interface Actor {
  id: string
  roles: Role[]
  facilityIds: string[]
  name?: string
}

/** One stored event. `at` is clinical time, `recordedAt` the server's storage time. */
export interface CaseEvent {
  id: string
  caseId: string
  type: EventType
  at: Instant
  recordedAt: Instant
  /** null for system events. */
  by: string | null
  data: Record<string, unknown>
}
