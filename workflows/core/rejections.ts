/**
 * Rejections are data (house style rule 9): a machine reason, the HTTP status the edge maps
 * it to, and a short clinical message in both languages.
 */
import type { Bilingual } from './case-model.ts'

export const REJECTIONS = {
  system_event: {
    status: 422,
    zh: '系统事件只能由服务器记录',
    en: 'System events are recorded by the server only',
  },
  case_closed: {
    status: 409,
    zh: '病例已结束,只能添加备注或更正',
    en: 'The case is closed; only notes and corrections can be added',
  },
  at_in_future: {
    status: 422,
    zh: '时间晚于当前时间,请核对',
    en: 'The time is in the future; please check it',
  },
  duplicate_time_point: {
    status: 409,
    zh: '该时间点已记录;如需修改请提交更正',
    en: 'This time point is already recorded; submit a correction to change it',
  },
  not_cardiologist: {
    status: 403,
    zh: '只有心内科医生可以决定是否溶栓',
    en: 'Only a cardiologist can approve or decline lysis',
  },
  already_decided: {
    status: 409,
    zh: '溶栓决定已记录;如需更改请注明理由',
    en: 'A lysis decision is already recorded; changing it needs an override reason',
  },
  facility_cannot_lyse: {
    status: 422,
    zh: '该机构不具备溶栓条件',
    en: 'This facility cannot give thrombolysis',
  },
  lysis_declined: {
    status: 409,
    zh: '溶栓已被拒绝,不能记录给药时间',
    en: 'Lysis was declined; a bolus cannot be recorded without an override reason',
  },
  absolute_contraindication: {
    status: 409,
    zh: '筛查表有溶栓绝对禁忌证,不能记录给药时间',
    en: 'The checklist shows an absolute contraindication; a bolus needs an override reason',
  },
  wire_before_county_arrival: {
    status: 422,
    zh: '导丝时间早于到达县医院时间,请先记录到达',
    en: 'No arrival at the county center before this wire time; record the arrival first',
  },
  unknown_event: { status: 422, zh: '要更正的事件不存在', en: 'The event to correct does not exist' },
  invalid_correction_target: {
    status: 422,
    zh: '不能更正"更正"记录或系统事件',
    en: 'A correction cannot amend another correction or a system event',
  },
  invalid_correction: {
    status: 422,
    zh: '更正内容对该事件无效',
    en: 'The changes are not valid for that event',
  },
  unknown_facility: { status: 422, zh: '该机构不在本网络内', en: 'This facility is not part of the network' },
  unknown_alert: { status: 422, zh: '本病例没有这条提醒', en: 'There is no such alert on this case' },
  // ambulance tier: the confirm step before a full cath lab activation (docs/ambulance.md)
  activation_needs_reason: {
    status: 422,
    zh: '尚无心内科确认的 STEMI 判读;立即激活导管室需注明理由',
    en: 'No cardiologist-confirmed STEMI read yet; activating the cath lab now needs a reason',
  },
} as const satisfies Record<string, { status: 403 | 409 | 422; zh: string; en: string }>

export type RejectionReason = keyof typeof REJECTIONS

export type Rejection = {
  ok: false
  status: 403 | 409 | 422
  reason: RejectionReason
  message: Bilingual
  field?: string
}

/** Build the rejection for a reason, optionally naming the offending field and adding detail to the English message. */
export function reject(reason: RejectionReason, field?: string, detail?: string): Rejection {
  const r = REJECTIONS[reason]
  const out: Rejection = {
    ok: false,
    status: r.status,
    reason,
    message: { zh: r.zh, en: detail ? `${r.en} (${detail})` : r.en },
  }
  if (field !== undefined) out.field = field
  return out
}
