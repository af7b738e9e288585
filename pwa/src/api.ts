/** HTTP client for the Xinlian API (SPEC §8): same origin, the HttpOnly session cookie, no token in JS. */

export interface User {
  id: string
  networkId: string
  username: string
  displayName: string
  roles: string[]
  facilityIds: string[]
}

export interface Facility {
  id: string
  name: string
  nameEn: string | null
  level: 'village' | 'township' | 'county'
  hasCathLab: boolean
  lysisDrugs: string[]
  canLyse: boolean
}

export interface NetworkInfo {
  network: { id: string; name: string; nameEn: string | null }
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
  type: string
  at: string
  recordedAt?: string
  by?: string | null
  byName?: string | null
  data: Record<string, unknown>
}

export interface Deadline {
  rule: string
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
  advice: string
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
  phase: string
  status: string
  createdAt: string
  /** The server's clock when it answered (to correct a device clock that is off). */
  serverTime?: string
  events: CaseEvent[]
  metrics: Record<string, number | null>
  deadlines: Deadline[]
  flags: { code: string; message: Bilingual }[]
  advice: Advice | null
  checklist?: { result: 'suitable' | 'unsuitable'; absolute: string[]; relative: string[] } | null
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
  phase: string
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

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly messageZh?: string,
    /** The whole `error` object (guards add `field`, `gaps`, `report`, …). */
    readonly detail: Record<string, unknown> = {},
  ) {
    super(message)
  }
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
    throw new ApiFailure(0, 'network', String(e))
  }
  const text = await res.text()
  const json = text ? (JSON.parse(text) as unknown) : {}
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string; messageZh?: string } }).error ?? {}
    throw new ApiFailure(
      res.status,
      err.code ?? `http_${res.status}`,
      err.message ?? res.statusText,
      err.messageZh,
      err,
    )
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
        const err = (json as { error?: { code?: string; message?: string; messageZh?: string } }).error ?? {}
        reject(
          new ApiFailure(
            xhr.status,
            err.code ?? `http_${xhr.status}`,
            err.message ?? 'upload failed',
            err.messageZh,
          ),
        )
      }
    }
    xhr.onerror = () => reject(new ApiFailure(0, 'network', 'network error'))
    const form = new FormData()
    form.append('file', file, file instanceof File ? file.name : 'ecg.jpg')
    xhr.send(form)
  })
}
