/**
 * Clinical constants the screens need (SPEC §3, §6). The server is the authority: it screens the
 * checklist and suggests the dose; these mirror it so the tablet can show a dose offline.
 */
import { ABSOLUTE_CONTRAINDICATIONS, RELATIVE_CONTRAINDICATIONS } from '../../workflows/core/checklist.ts'
import { recommendedDose } from '../../workflows/core/dosing.ts'
import type { EventType } from '../../workflows/core/event-types.ts'
import type { RuleKey } from '../../workflows/core/rule-keys.ts'

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

/** SPEC §6 dose suggestion (the core's rules: TNK by weight, half at ≥ 75; rhTNK-tPA 16 mg). */
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
  if (d.warnAt === null || now >= Date.parse(d.warnAt)) return 'amber'
  return 'green'
}

/** Which time point satisfies each rule (SPEC §4), to show an unsynced tap as met straight away. */
export const SATISFIED_BY: Record<RuleKey, EventType> = {
  first_ecg: 'ecg_acquired',
  remote_read: 'diagnosis',
  diagnosis_to_needle: 'lysis_bolus',
  door_to_needle: 'lysis_bolus',
  door_in_door_out: 'departed',
  cath_lab_activation: 'cath_lab_ready',
  reperfusion_check: 'reperfusion_assessment',
  rescue_pci: 'wire_crossed',
  angiography_after_lysis: 'wire_crossed',
  fmc_to_wire: 'wire_crossed',
  door_to_wire: 'wire_crossed',
  repeat_ecg: 'ecg_acquired',
}

/**
 * Deadlines this device can compute before the server has seen the case (started offline):
 * first ECG 10 min after FMC (warn 7), door-to-needle 30 min after arrival (warn 20) at a
 * lysing facility (SPEC §4). Replaced by the server's list as soon as it answers.
 */
export function provisionalDeadlines(
  events: { type: string; at: string }[],
  fmcAt: string,
  canLyse: boolean,
): {
  rule: RuleKey
  startAt: string
  dueAt: string
  warnAt: string
  status: 'pending' | 'met'
  metAt: string | null
}[] {
  const first = (type: string) =>
    events.filter((e) => e.type === type).sort((a, b) => Date.parse(a.at) - Date.parse(b.at))[0]
  const rule = (key: RuleKey, start: string, warnMin: number, dueMin: number, metBy: string) => {
    const s = Date.parse(start)
    const met = first(metBy)
    return {
      rule: key,
      startAt: start,
      warnAt: new Date(s + warnMin * 60_000).toISOString(),
      dueAt: new Date(s + dueMin * 60_000).toISOString(),
      status: met ? ('met' as const) : ('pending' as const),
      metAt: met?.at ?? null,
    }
  }
  const out = [rule('first_ecg', fmcAt, 7, 10, 'ecg_acquired')]
  const arrived = first('arrived')
  if (arrived && canLyse) out.push(rule('door_to_needle', arrived.at, 20, 30, 'lysis_bolus'))
  return out
}
