/**
 * What a vendor's error code means for the alert ladder, in one table (docs/alert-channels.md):
 * - `retryable`: the vendor is busy or failing; the same request may succeed later;
 * - `rate_limited`: a per-number / per-member / per-account cap; this person cannot be reached this
 *   way now, so the ladder moves on;
 * - `token`: (WeCom) the access token is expired or invalid; get a new one and try once more.
 * Any code not listed is final. A 5xx answer is retryable whatever its code.
 */
import type { SendResult } from '../vendor.ts'
import { answerText } from './outbound.ts'

export type Vendor = 'aliyun' | 'tencent' | 'wecom'
export type ErrorClass = 'retryable' | 'rate_limited' | 'token'

interface ErrorRow {
  vendor: Vendor
  /** the vendor's code; with `prefix`, every code that starts with it */
  code: string
  prefix?: true
  class: ErrorClass
}

export const VENDOR_ERRORS: readonly ErrorRow[] = [
  // Aliyun dysmsapi / dyvmsapi
  { vendor: 'aliyun', code: 'isv.BUSINESS_LIMIT_CONTROL', class: 'rate_limited' },
  { vendor: 'aliyun', code: 'isv.DAY_LIMIT_CONTROL', class: 'rate_limited' },
  { vendor: 'aliyun', code: 'isv.MONTH_LIMIT_CONTROL', class: 'rate_limited' },
  { vendor: 'aliyun', code: 'Throttling', prefix: true, class: 'retryable' },
  { vendor: 'aliyun', code: 'isp.SYSTEM_ERROR', class: 'retryable' },
  { vendor: 'aliyun', code: 'ServiceUnavailable', class: 'retryable' },
  // Tencent Cloud SMS / VMS: per-number caps (30 s, 1 h, a day, the same content a day), frequency limit
  { vendor: 'tencent', code: 'LimitExceeded.PhoneNumber', prefix: true, class: 'rate_limited' },
  { vendor: 'tencent', code: 'LimitExceeded.CalledNumber', prefix: true, class: 'rate_limited' },
  { vendor: 'tencent', code: 'FailedOperation.FrequencyLimit', class: 'rate_limited' },
  { vendor: 'tencent', code: 'InternalError', prefix: true, class: 'retryable' },
  { vendor: 'tencent', code: 'RequestLimitExceeded', class: 'retryable' },
  // WeCom errcodes: 45009 API call frequency exceeded, 45033 concurrent calls exceeded
  { vendor: 'wecom', code: '45009', class: 'rate_limited' },
  { vendor: 'wecom', code: '45033', class: 'rate_limited' },
  // -1: system busy, "please retry later"
  { vendor: 'wecom', code: '-1', class: 'retryable' },
  // 40014 invalid, 42001 expired access token, 40001 invalid credential
  { vendor: 'wecom', code: '40014', class: 'token' },
  { vendor: 'wecom', code: '42001', class: 'token' },
  { vendor: 'wecom', code: '40001', class: 'token' },
]

/** The class of a vendor's code, or null when it is final. */
export function classify(vendor: Vendor, code: string | number): ErrorClass | null {
  const c = String(code)
  const row = VENDOR_ERRORS.find(
    (r) => r.vendor === vendor && (r.prefix ? c.startsWith(r.code) : c === r.code),
  )
  return row?.class ?? null
}

/** The failed send for a vendor's error code (`status`: the HTTP status, when the vendor uses it). */
export function vendorFailure(
  vendor: Vendor,
  code: string | number,
  text: string,
  status = 200,
): Extract<SendResult, { ok: false }> {
  const cls = classify(vendor, code)
  return {
    ok: false,
    code: String(code),
    answer: answerText(text),
    retryable: status >= 500 || cls === 'retryable',
    rateLimited: cls === 'rate_limited',
  }
}
