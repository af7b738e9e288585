/** HTTP client for the Xinlian API (README.md): same origin, the HttpOnly session cookie, no token in JS. */
import type { ChecklistKey, EventType, LysisDrug, Phase, Role, RuleKey } from '../../workflows/core/index.ts'
import type { KeyOf } from '../../workflows/core/messages/index.ts'

export interface User {
  id: string
  networkId: string
  username: string
  displayName: string
  roles: Role[]
  facilityIds: string[]
}

export interface Facility {
  id: string
  name: string
  nameEn: string | null
  level: 'village' | 'township' | 'county' | 'ambulance'
  hasCathLab: boolean
  lysisDrugs: LysisDrug[]
  canLyse: boolean
}

export interface NetworkInfo {
  network: { id: string; name: string; nameEn: string | null; settings?: { prehospitalLysis?: boolean } }
  facilities: Facility[]
  travel: { from: string; to: string; minutes: number }[]
  rota: { line: string; userId: string; displayName: string; startsAt: string; endsAt: string }[]
}

export interface Patient {
  sex: 'male' | 'female'
  age: number
  weightKg?: number | null
  name?: string | null
  /** The hospital's record number (病案号/门诊号). */
  recordNumber?: string | null
}

export interface CaseEvent {
  id: string
  type: EventType
  at: string
  recordedAt?: string
  by?: string | null
  byName?: string | null
  data: Record<string, unknown>
}

export interface Deadline {
  rule: RuleKey
  startAt: string
  dueAt: string
  /** Null for rules that alert at once (rescue PCI). */
  warnAt: string | null
  status: 'pending' | 'met' | 'missed'
  metAt?: string | null
}

export interface Bilingual {
  zh: string
  en: string
}

export interface Advice {
  advice: KeyOf<'strategy.advice'>
  travelMinutes: number | null
  remainingDidoMinutes: number | null
  doorToWireMinutes: number | null
  diagnosisToWireMinutes: number | null
  reasons: Bilingual[]
}

export interface CaseView {
  id: string
  networkId?: string
  facilityId: string
  patient: Patient
  phase: Phase
  status: string
  createdAt: string
  /** The server's clock when it answered (to correct a device clock that is off). */
  serverTime?: string
  events: CaseEvent[]
  metrics: Record<string, number | null>
  deadlines: Deadline[]
  flags: { code: string; message: Bilingual }[]
  advice: Advice | null
  checklist?: { result: 'suitable' | 'unsuitable'; absolute: ChecklistKey[]; relative: ChecklistKey[] } | null
  /** The network's checklist items (docs/clinical-rules.md, "Checklists"). */
  checklistItems?: { variant: 'cn' | 'esc'; absolute: string[]; relative: string[] }
  dose?: { drug: string; doseMg: number; fullDoseMg?: number; doseFraction: 'full' | 'half' } | null
  acknowledgements?: unknown
  consult?: {
    openedAt: string
    acknowledgedBy: string | null
    acknowledgedByName: string | null
    acknowledgedAt: string | null
  } | null
}

export interface CaseSummary {
  id: string
  phase: Phase
  patient: Patient
  facilityId: string
  createdAt: string
  updatedAt: string
  deadlines: Deadline[]
}

export interface ConsultSummary {
  caseId: string
  openedAt: string
  patient: Patient
  facilityName: string
  attachmentId: string | null
  acknowledgedAt: string | null
}

/** The wire shape of every API error (api/http/problem-response.ts). */
export interface ProblemJson {
  code?: string
  message?: string
  messageZh?: string
  field?: string
  params?: Record<string, unknown>
}

/**
 * A refused or failed request. The screen renders `problem.<code>` with `params` from the
 * catalogue (`problemText`), never the server's sentence; `params` also carry detail such as a
 * rota guard's `gaps` or an import's `report`.
 */
export class ApiFailure extends Error {
  readonly status: number
  readonly code: string
  readonly params: Record<string, unknown>
  readonly field?: string
  constructor(status: number, code: string, params: Record<string, unknown> = {}, field?: string) {
    super(code)
    this.status = status
    this.code = code
    this.params = params
    this.field = field
  }
}

const failureOf = (status: number, json: unknown): ApiFailure => {
  const err = (json as { error?: ProblemJson } | null)?.error ?? {}
  return new ApiFailure(status, err.code ?? `http_${status}`, err.params ?? {}, err.field)
}

/** GET/POST JSON. Network failures throw ApiFailure with status 0. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch (e) {
    throw new ApiFailure(0, 'network', { detail: String(e) })
  }
  const text = await res.text()
  const json = text ? (JSON.parse(text) as unknown) : {}
  if (!res.ok) {
    throw failureOf(res.status, json)
  }
  return json as T
}

/**
 * Small local copies so that the app opens offline: the user, the network, the last view of each
 * case. Cleared at sign-out. (Cases hold patient data: this is a clinical device of the facility.)
 */
export const local = {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- typed read of a JSON copy
  get<T>(key: string): T | null {
    try {
      const s = localStorage.getItem('xl.' + key)
      return s ? (JSON.parse(s) as T) : null
    } catch {
      return null
    }
  },
  set(key: string, value: unknown): void {
    try {
      localStorage.setItem('xl.' + key, JSON.stringify(value))
    } catch {
      // Storage full: the live view still works.
    }
  },
  clear(): void {
    for (const k of Object.keys(localStorage))
      if (k.startsWith('xl.') && k !== 'xl.lang') localStorage.removeItem(k)
  },
}

/** Upload a file with progress (XMLHttpRequest: fetch has no upload progress). */
export function uploadAttachment(
  caseId: string,
  file: Blob,
  onProgress: (fraction: number) => void,
): Promise<{ id: string; contentType: string; size: number }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', `/api/cases/${caseId}/attachments`)
    xhr.withCredentials = true
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total)
    }
    xhr.onload = () => {
      let json: unknown = {}
      try {
        json = JSON.parse(xhr.responseText)
      } catch {
        // Not JSON.
      }
      if (xhr.status === 201 || xhr.status === 200) {
        onProgress(1)
        resolve(json as { id: string; contentType: string; size: number })
      } else {
        reject(failureOf(xhr.status, json))
      }
    }
    xhr.onerror = () => reject(new ApiFailure(0, 'network'))
    const form = new FormData()
    form.append('file', file, file instanceof File ? file.name : 'ecg.jpg')
    xhr.send(form)
  })
}
