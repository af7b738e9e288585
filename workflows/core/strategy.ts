/**
 * Reperfusion strategy advice at a STEMI diagnosis (docs/clinical-rules.md). The physician and the
 * cardiologist decide; this shows the numbers and the reasoning, and the `strategy` event
 * records what was advised and what was chosen.
 */
import type { Bilingual } from './case-model.ts'
import type { CaseState } from './fold.ts'
import {
  facilityById,
  isPciCenter,
  nearestPciCenter,
  travelMinutes,
  type Facility,
  type NetworkInfo,
} from './network.ts'
import { doorIn } from './time-points.ts'
import { LYSIS_ONSET_WINDOW, onsetCheck } from './lysis-window.ts'
import { toMinutes, type Instant } from './time.ts'
import { isWorkingStemi } from './working-diagnosis.ts'

// ESC 2023 ACS: primary PCI when the anticipated STEMI-diagnosis-to-wire time is ≤ 120 min;
// otherwise fibrinolysis within 10 min of diagnosis (pharmacoinvasive strategy).
export const PRIMARY_PCI_MAX_MINUTES = 120
// China CPC accreditation standard: door-in door-out at a non-PCI facility ≤ 30 min.
export const DIDO_TARGET_MINUTES = 30

export interface StrategyAdvice {
  advice: 'primary_pci' | 'pharmacoinvasive' | 'transfer_for_lysis' | 'primary_pci_delayed'
  fromFacilityId: string
  countyFacilityId: string
  travelMinutes: number
  remainingDidoMinutes: number
  doorToWireMinutes: number
  diagnosisToWireMinutes: number
  lysisFacilityId?: string
  travelToLysisMinutes?: number
  reasons: Bilingual[]
}

/** The lysis-capable non-PCI facility nearest to `from` by travel time. */
function nearestLysisUnit(
  network: NetworkInfo,
  from: string,
): { facility: Facility; minutes: number } | null {
  let best: { facility: Facility; minutes: number } | null = null
  for (const f of network.facilities) {
    if (!f.canLyse || isPciCenter(f) || f.id === from) continue
    const m = travelMinutes(network, from, f.id)
    if (m !== null && (best === null || m < best.minutes)) best = { facility: f, minutes: m }
  }
  return best
}

/**
 * Advice for a STEMI patient at the current facility: diagnosis-to-wire = travel to the county
 * + remaining DIDO (30 min minus time since door-in here, floor 0; a village counts from FMC)
 * + the county's expected door-to-wire. ≤ 120 min (inclusive) → primary PCI. Above: lyse here
 * (pharmacoinvasive) if this facility can; from a village, transfer for lysis to the nearest
 * lysis-capable township (if it is nearer than the county); with an absolute contraindication,
 * no lysis unit on the way, or onset > 12 h → primary PCI even though delayed.
 * Null unless the working (latest) diagnosis is STEMI, and without a reachable PCI center.
 */
export function adviseStrategy(state: CaseState, network: NetworkInfo, now: Instant): StrategyAdvice | null {
  const p = state.points
  // Advice only while the working (latest) read is STEMI and the case is open
  // (docs/clinical-rules.md, "Working diagnosis").
  if (!isWorkingStemi(p) || state.closed) return null
  const from = state.currentFacilityId
  const county = nearestPciCenter(network, from)
  if (county === null) return null
  const here = facilityById(network, from)
  const atCounty = isPciCenter(here)
  const door = doorIn(p, from)
  const spent = door === null ? 0 : Math.max(0, toMinutes(now - door))
  const remainingDido = atCounty ? 0 : Math.max(0, Math.round((DIDO_TARGET_MINUTES - spent) * 10) / 10)
  const d2w = network.expectedDoorToWireMinutes
  const total = Math.round((county.minutes + remainingDido + d2w) * 10) / 10
  const base = {
    fromFacilityId: from,
    countyFacilityId: county.facility.id,
    travelMinutes: county.minutes,
    remainingDidoMinutes: remainingDido,
    doorToWireMinutes: d2w,
    diagnosisToWireMinutes: total,
  }
  const estimate: Bilingual = {
    zh: `预计确诊至导丝 ${total} 分钟(转运 ${county.minutes} + 剩余 DIDO ${remainingDido} + 县医院 D2W ${d2w})`,
    en: `Estimated diagnosis-to-wire ${total} min (travel ${county.minutes} + remaining DIDO ${remainingDido} + county door-to-wire ${d2w})`,
  }
  if (atCounty || total <= PRIMARY_PCI_MAX_MINUTES)
    return {
      ...base,
      advice: 'primary_pci',
      reasons: [estimate, { zh: '≤120 分钟:直接 PCI', en: '≤ 120 min: primary PCI' }],
    }

  // ESC 2023 ACS: cardiogenic shock or resuscitated arrest → immediate PCI irrespective of the
  // time from onset or the delay (docs/clinical-rules.md, "Shock and arrest").
  if (p.shockOrArrest !== null)
    return {
      ...base,
      advice: 'primary_pci',
      reasons: [
        {
          zh: '心源性休克或心脏骤停:无论延误多久,直接转运 PCI',
          en: 'Cardiogenic shock or cardiac arrest: primary PCI regardless of delay',
        },
        estimate,
      ],
    }
  const over: Bilingual = { zh: '>120 分钟:直接 PCI 延迟', en: '> 120 min: primary PCI would be delayed' }
  const delayed = (why: Bilingual): StrategyAdvice => ({
    ...base,
    advice: 'primary_pci_delayed',
    reasons: [estimate, over, why],
  })
  if (p.checklist !== null && p.checklist.absolute.length > 0)
    return delayed({
      zh: `溶栓绝对禁忌证:${p.checklist.absolute.join('、')}`,
      en: `Absolute contraindication to lysis: ${p.checklist.absolute.join(', ')}`,
    })
  const onset = onsetCheck(p, now)
  if (onset !== null && !onset.within)
    return delayed(
      onset.window === LYSIS_ONSET_WINDOW
        ? { zh: '发病超过 12 小时,不宜溶栓', en: 'Onset more than 12 h ago: fibrinolysis not indicated' }
        : { zh: '发病超过 24 小时,不宜溶栓', en: 'Onset more than 24 h ago: fibrinolysis not indicated' },
    )
  if (here?.canLyse === true)
    return {
      ...base,
      advice: 'pharmacoinvasive',
      lysisFacilityId: from,
      travelToLysisMinutes: 0,
      reasons: [
        estimate,
        over,
        {
          zh: '本院溶栓(确诊后 10 分钟内给药),再转县医院',
          en: 'Lyse here within 10 min of diagnosis, then transfer',
        },
      ],
    }
  const unit = nearestLysisUnit(network, from)
  if (unit === null || unit.minutes >= county.minutes)
    return delayed({ zh: '途中无更近的溶栓单位', en: 'No lysis-capable unit nearer than the county' })
  return {
    ...base,
    advice: 'transfer_for_lysis',
    lysisFacilityId: unit.facility.id,
    travelToLysisMinutes: unit.minutes,
    reasons: [
      estimate,
      over,
      {
        zh: `转至${unit.facility.name}溶栓(${unit.minutes} 分钟),再转县医院`,
        en: `Transfer to ${unit.facility.name} for lysis (${unit.minutes} min), then to the county`,
      },
    ],
  }
}
