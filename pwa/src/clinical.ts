/**
 * Clinical constants the screens need (docs/clinical-rules.md). The server is the authority: it screens the
 * checklist and suggests the dose; these mirror it so the tablet can show a dose offline.
 */
import { ABSOLUTE_CONTRAINDICATIONS, RELATIVE_CONTRAINDICATIONS } from '../../workflows/core/checklist.ts'
import { recommendedDose } from '../../workflows/core/dosing.ts'

// One source of truth with the server: the pure core's checklist and dosing modules (no
// dependencies, so they cost the bundle a few hundred bytes). Dependencies point pwa → core.
export const ABSOLUTE_KEYS = ABSOLUTE_CONTRAINDICATIONS.map((c) => c.key)
export const RELATIVE_KEYS = RELATIVE_CONTRAINDICATIONS.map((c) => c.key)
export const CHECKLIST_KEYS = [...ABSOLUTE_KEYS, ...RELATIVE_KEYS]

export const DIAGNOSES = [
  'stemi',
  'nstemi',
  'unstable_angina',
  'aortic_dissection',
  'pulmonary_embolism',
  'other_cardiac',
  'non_cardiac',
  'inconclusive',
] as const

export interface Dose {
  drug: string
  doseMg: number
  doseFraction: 'full' | 'half'
}

/** The dose suggestion of docs/clinical-rules.md (the core's rules: TNK by weight, half at ≥ 75; rhTNK-tPA 16 mg). */
export function suggestDose(drug: string, weightKg: number | null | undefined, age: number): Dose | null {
  const d = recommendedDose(drug, weightKg ?? null, age)
  return d && { drug: d.drug, doseMg: d.doseMg, doseFraction: d.doseFraction }
}

/** Local ISO 8601 with the device's offset, e.g. 2022-11-26T13:09:00+08:00 (what the API wants). */
export function isoLocal(d: Date): string {
  const pad = (n: number) => String(Math.trunc(Math.abs(n))).padStart(2, '0')
  const off = -d.getTimezoneOffset()
  const sign = off >= 0 ? '+' : '-'
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` +
    `${sign}${pad(off / 60)}:${pad(off % 60)}`
  )
}

/** "13:09" in the device's time zone. */
export function hhmm(iso: string | number | Date): string {
  const d = new Date(iso)
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`
}

/** 754000 ms → "12:34"; hours shown as "1:02:03". */
export function clock(ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`
}

export type Tone = 'green' | 'amber' | 'red' | 'done'

/** Countdown colour from the server's dueAt/warnAt and the local clock (keeps ticking after a reopen). */
export function deadlineTone(d: { status: string; dueAt: string; warnAt: string | null }, now: number): Tone {
  if (d.status === 'met') return 'done'
  if (d.status === 'missed' || now >= Date.parse(d.dueAt)) return 'red'
  // Amber means "late soon": only from the rule's warning point (the rule's warnAt, workflows/core/rules.ts).
  if (d.warnAt !== null && now >= Date.parse(d.warnAt)) return 'amber'
  return 'green'
}
