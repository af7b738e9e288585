/**
 * A fake of the national chest-pain-center data platform's REST interface, for msw. It checks
 * what the platform checks, written from the interface description (docs/registry-platform.md)
 * and not from Xinlian's client: the four headers, the signature (lowercase hex HMAC-SHA256 with
 * the hospital's secret over the upper-cased `time + requestId`), a `time` within 5 minutes of
 * China time, a fresh requestId, the five sections, required fields and code values; it answers
 * a REGISTER_ID on a first report and insists on it for updates.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { http, HttpResponse } from 'msw'

export interface FakePlatform {
  handlers: ReturnType<typeof http.post>[]
  received: { headers: Record<string, string>; body: Record<string, Record<string, unknown>> }[]
  refusals: string[]
  /** Answer the next requests with HTTP 503 (a platform outage). */
  outage: (n: number) => void
}

const SECTIONS = ['RegisterInfo', 'FirstAIDInfo', 'TreatmentInfo', 'TreatmentPciInfo', 'OutComeInfo']
const REQUIRED: Record<string, string[]> = {
  RegisterInfo: ['HOSPITAL_CODE', 'GENDER', 'AGE'],
  FirstAIDInfo: ['COMING_WAY', 'FMC_TIME'],
  TreatmentInfo: ['FIRST_ECG_TIME', 'DIAGNOSIS'],
}
const CODES: Record<string, string[]> = {
  'RegisterInfo.GENDER': ['1', '2'],
  'FirstAIDInfo.COMING_WAY': ['1', '2', '3', '4'],
  'TreatmentInfo.DIAGNOSIS': ['1', '2', '3', '4', '5', '6', '7', '8'],
  'TreatmentInfo.THROMBOLYSIS_DRUG': ['', '1', '2', '3', '4', '5', '6'],
}

/** China time now as yyyyMMddHHmmss, computed from UTC + 8 h (China has no daylight saving). */
function chinaNowStamp(now: number): number {
  const d = new Date(now + 8 * 3600_000)
  const p = (n: number) => String(n).padStart(2, '0')
  return Number(
    `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`,
  )
}
function stampToMs(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s)
  if (!m) return NaN
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) - 8 * 3600_000
}

export function fakePlatform(url: string, accounts: Record<string, string>): FakePlatform {
  const received: FakePlatform['received'] = []
  const refusals: string[] = []
  const seenRequestIds = new Set<string>()
  const registered = new Map<string, string>() // REGISTER_ID → CASE_NO
  let outages = 0
  const refuse = (msg: string, status = 200) => {
    refusals.push(msg)
    return HttpResponse.json({ ResultCode: 400, Message: msg, Error: msg, Data: null }, { status })
  }
  const handler = http.post(url, async ({ request }) => {
    if (outages > 0) {
      outages--
      return new HttpResponse('busy', { status: 503 })
    }
    const h = Object.fromEntries(request.headers.entries())
    const time = h['time'] ?? ''
    const appId = h['appid'] ?? ''
    const requestId = h['requestid'] ?? ''
    const sign = h['sign'] ?? ''
    const secret = accounts[appId]
    if (!secret) return refuse('appId 无效', 401)
    if (!/^[0-9a-f-]{36}$/i.test(requestId) || seenRequestIds.has(requestId))
      return refuse('requestId 无效或重复', 401)
    const at = stampToMs(time)
    if (
      !Number.isFinite(at) ||
      Math.abs(at - Date.now()) > 5 * 60_000 ||
      Math.abs(chinaNowStamp(Date.now()) - Number(time)) > 1_000_000
    )
      return refuse('time 无效', 401)
    const expected = createHmac('sha256', secret).update(`${time}${requestId}`.toUpperCase()).digest()
    const given = Buffer.from(sign, 'hex')
    if (sign !== sign.toLowerCase() || given.length !== expected.length || !timingSafeEqual(given, expected))
      return refuse('签名错误', 401)
    seenRequestIds.add(requestId)
    let body: Record<string, Record<string, unknown>>
    try {
      body = (await request.json()) as typeof body
    } catch {
      return refuse('JSON 格式错误')
    }
    received.push({ headers: h, body })
    for (const s of SECTIONS) if (typeof body[s] !== 'object' || body[s] === null) return refuse(`缺少 ${s}`)
    for (const [s, fields] of Object.entries(REQUIRED))
      for (const f of fields)
        if (body[s]![f] === '' || body[s]![f] === null || body[s]![f] === undefined)
          return refuse(`${s}.${f} 必填`)
    for (const [path, allowed] of Object.entries(CODES)) {
      const [s, f] = path.split('.') as [string, string]
      const v = body[s]![f]
      if (v !== undefined && !allowed.includes(JSON.stringify(v).replaceAll('"', '')))
        return refuse(`${path} 代码无效`)
    }
    const caseNo = String(body.RegisterInfo!.CASE_NO)
    const given_id = body.RegisterInfo!.REGISTER_ID
    if (given_id) {
      if (typeof given_id !== 'string' || registered.get(given_id) !== caseNo)
        return refuse('REGISTER_ID 不存在')
      return HttpResponse.json({
        ResultCode: 200,
        Message: '更新成功',
        Error: null,
        Data: { REGISTER_ID: given_id },
      })
    }
    for (const [id, no] of registered) if (no === caseNo) return refuse(`病例已存在 ${id}`)
    const id = `CPC${String(registered.size + 1).padStart(8, '0')}`
    registered.set(id, caseNo)
    return HttpResponse.json({ ResultCode: 200, Message: '上报成功', Error: null, Data: { REGISTER_ID: id } })
  })
  return { handlers: [handler], received, refusals, outage: (n) => (outages = n) }
}
