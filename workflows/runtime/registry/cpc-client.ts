import { createHmac, randomUUID } from 'node:crypto'
import { TZDate } from '@date-fns/tz'
import { format } from 'date-fns/format'
import { CPC_TIME_ZONE, type CpcReport } from '../../core/cpc-report.ts'

/** The platform's default address; CPC_PLATFORM_URL replaces it for tests and private gateways. */
export const DEFAULT_CPC_PLATFORM_URL = 'https://webapi.chinacpc.org/Services/v1.1/ChestPainCenter'

export interface CpcCredentials {
  appId: string
  secretKey: string
}

/** The signed headers of a request: `sign` = hex HMAC-SHA256(secret, upper(time + requestId)). */
export function cpcHeaders(cred: CpcCredentials, now: Date, requestId: string): Record<string, string> {
  const time = format(new TZDate(now.getTime(), CPC_TIME_ZONE), 'yyyyMMddHHmmss')
  const sign = createHmac('sha256', cred.secretKey)
    .update((time + requestId).toUpperCase())
    .digest('hex')
  return { 'content-type': 'application/json', time, appId: cred.appId, requestId, sign }
}

/** The platform's answer, as far as Xinlian reads it. */
export interface CpcAnswer {
  httpStatus: number
  resultCode: number | null
  message: string | null
  errors: unknown
  registerId: string | null
}

/** A failure worth retrying (network, timeout, 5xx): the job retries with backoff. */
export class CpcUnavailable extends Error {}

/** Send one report. Only to an https URL (or the loopback fake of the tests). */
export async function postReport(
  url: string,
  cred: CpcCredentials,
  body: CpcReport,
  opts: { now?: Date; requestId?: string; timeoutMs?: number } = {},
): Promise<{ requestId: string; answer: CpcAnswer }> {
  const u = new URL(url)
  const loopback = u.hostname === '127.0.0.1' || u.hostname === 'localhost'
  if (u.protocol !== 'https:' && !loopback) throw new Error('CPC_PLATFORM_URL must be https')
  const requestId = opts.requestId ?? randomUUID()
  let res: Response
  try {
    res = await fetch(u, {
      method: 'POST',
      headers: cpcHeaders(cred, opts.now ?? new Date(), requestId),
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 20_000),
    })
  } catch (e) {
    throw new CpcUnavailable(e instanceof Error ? e.name : 'network error')
  }
  if (res.status >= 500) throw new CpcUnavailable(`HTTP ${res.status}`)
  let json: Record<string, unknown> = {}
  try {
    json = (await res.json()) as Record<string, unknown>
  } catch {
    // not JSON: kept as an answer without a code
  }
  const data: unknown = json.Data
  const registerId =
    typeof data === 'object' &&
    data !== null &&
    typeof (data as Record<string, unknown>).REGISTER_ID === 'string'
      ? ((data as Record<string, unknown>).REGISTER_ID as string)
      : null
  return {
    requestId,
    answer: {
      httpStatus: res.status,
      resultCode: typeof json.ResultCode === 'number' ? json.ResultCode : null,
      message: typeof json.Message === 'string' ? json.Message : null,
      errors: json.Error ?? null,
      registerId,
    },
  }
}
