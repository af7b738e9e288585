/**
 * Test support for the alert channels: loose msw fakes of WeCom, Aliyun SMS and Aliyun voice
 * (they record what arrives and answer in the vendors' documented shapes; the strict fakes
 * that check signatures live with the vendor clients), and WeCom's callback crypto written
 * from WeCom's published scheme (AES-256-CBC with the EncodingAESKey, PKCS#7 to 32 bytes,
 * SHA-1 over the sorted token/timestamp/nonce/ciphertext), independently of the server's.
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto'
import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import type { TestEnv } from './harness.ts'

export const WECOM = 'https://qyapi.test'
export const VMS = 'https://vms.test'
export const SMS = 'https://sms.test'
export const SECRET_KEY = 'a1'.repeat(32)
export const CHANNEL_ENV = {
  XINLIAN_SECRET_KEY: SECRET_KEY,
  CHANNEL_ALLOWED_HOSTS: 'qyapi.test,vms.test,sms.test',
  WECOM_API_BASE: WECOM,
  ALIYUN_VMS_ENDPOINT: VMS,
  ALIYUN_SMS_ENDPOINT: SMS,
}
export const WECOM_SETTINGS = {
  corpId: 'ww-corp-anxi',
  agentId: 1000002,
  secret: 'wecom-app-secret-9f3k',
  callbackToken: 'cbtoken77',
  callbackAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
}

export interface Seen {
  url: string
  body: Record<string, unknown>
}

async function bodyOf(request: Request): Promise<Record<string, unknown>> {
  const text = await request.text()
  if ((request.headers.get('content-type') ?? '').includes('json'))
    return JSON.parse(text) as Record<string, unknown>
  const u = new URL(request.url)
  return Object.fromEntries([...u.searchParams, ...new URLSearchParams(text)])
}

export function vendorFakes() {
  const wecom: Seen[] = []
  const updates: Seen[] = []
  const calls: Seen[] = []
  const texts: Seen[] = []
  let n = 0
  const server = setupServer(
    http.get(`${WECOM}/cgi-bin/gettoken`, () =>
      HttpResponse.json({ errcode: 0, access_token: 'tok-1', expires_in: 7200 }),
    ),
    http.post(`${WECOM}/cgi-bin/message/send`, async ({ request }) => {
      wecom.push({ url: request.url, body: await bodyOf(request) })
      return HttpResponse.json({ errcode: 0, errmsg: 'ok', msgid: `msg-${++n}`, response_code: `rc-${n}` })
    }),
    http.post(`${WECOM}/cgi-bin/message/update_template_card`, async ({ request }) => {
      updates.push({ url: request.url, body: await bodyOf(request) })
      return HttpResponse.json({ errcode: 0, errmsg: 'ok' })
    }),
    http.all(`${VMS}/*`, async ({ request }) => {
      calls.push({ url: request.url, body: await bodyOf(request) })
      return HttpResponse.json({ Code: 'OK', Message: 'OK', RequestId: `r-${++n}`, CallId: `call-${n}` })
    }),
    http.all(`${SMS}/*`, async ({ request }) => {
      texts.push({ url: request.url, body: await bodyOf(request) })
      return HttpResponse.json({ Code: 'OK', Message: 'OK', RequestId: `r-${++n}`, BizId: `biz-${n}` })
    }),
  )
  server.listen({ onUnhandledRequest: 'bypass' })
  return { wecom, updates, calls, texts, close: () => server.close() }
}

/** The demo network's admin sets up WeCom, SMS and voice, and the cardiologists' contacts. */
export async function configureChannels(t: TestEnv) {
  const admin = await t.login('admin')
  const put = async (path: string, body: unknown) => {
    const r = await t.call('PUT', path, { token: admin, body })
    if (r.status !== 200) throw new Error(`${path} ${r.status} ${await r.text()}`)
  }
  await put('/api/admin/channels/wecom', WECOM_SETTINGS)
  await put('/api/admin/channels/voice', {
    provider: 'aliyun',
    accessKeyId: 'LTAI-voice',
    accessKeySecret: 'voice-secret-key-x81',
    templateCode: 'TTS_001',
    calledShowNumber: '05958888888',
  })
  await put('/api/admin/channels/sms', {
    provider: 'aliyun',
    accessKeyId: 'LTAI-sms',
    accessKeySecret: 'sms-secret-key-q72',
    signName: '心联',
    templateCode: 'SMS_001',
  })
  const contacts: [string, string, string][] = [
    ['dr.chen', '13800000001', 'chen'],
    ['dr.lin', '13800000002', 'lin'],
    ['dr.wang', '13800000003', 'wang'],
  ]
  for (const [username, mobile, wecomUserId] of contacts) {
    const [u] = await t.sql<{ id: string }[]>`select id from users where username = ${username}`
    const r = await t.call('PATCH', `/api/admin/users/${u!.id}`, {
      token: admin,
      body: { mobile, mobileVerified: true, wecomUserId },
    })
    if (r.status !== 200) throw new Error(`patch ${username} ${r.status} ${await r.text()}`)
  }
}

/** A WeCom callback as WeCom sends it: the event XML encrypted and signed. */
export function wecomCallback(
  s: { corpId: string; callbackToken: string; callbackAesKey: string },
  event: { fromUser: string; taskId: string; eventKey: string; createTime?: number; responseCode?: string },
  opts: { tamper?: boolean } = {},
) {
  const xml =
    `<xml><ToUserName><![CDATA[${s.corpId}]]></ToUserName><FromUserName><![CDATA[${event.fromUser}]]></FromUserName>` +
    `<CreateTime>${event.createTime ?? 1764590000}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
    `<Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[${event.eventKey}]]></EventKey>` +
    `<TaskId><![CDATA[${event.taskId}]]></TaskId><CardType><![CDATA[button_interaction]]></CardType>` +
    `<ResponseCode><![CDATA[${event.responseCode ?? 'rc-press'}]]></ResponseCode><AgentID>1000002</AgentID></xml>`
  const key = Buffer.from(s.callbackAesKey + '=', 'base64')
  const msg = Buffer.from(xml)
  const len = Buffer.alloc(4)
  len.writeUInt32BE(msg.length)
  const plain = Buffer.concat([randomBytes(16), len, msg, Buffer.from(s.corpId)])
  const pad = 32 - (plain.length % 32)
  const padded = Buffer.concat([plain, Buffer.alloc(pad, pad)])
  const c = createCipheriv('aes-256-cbc', key, key.subarray(0, 16))
  c.setAutoPadding(false)
  const encrypt = Buffer.concat([c.update(padded), c.final()]).toString('base64')
  const timestamp = String(event.createTime ?? 1764590000)
  const nonce = 'n' + randomBytes(4).toString('hex')
  let signature = createHash('sha1')
    .update([s.callbackToken, timestamp, nonce, encrypt].sort().join(''))
    .digest('hex')
  if (opts.tamper) signature = signature.replace(/^./, (ch) => (ch === 'a' ? 'b' : 'a'))
  return {
    query: `msg_signature=${signature}&timestamp=${timestamp}&nonce=${nonce}`,
    body: `<xml><ToUserName><![CDATA[${s.corpId}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>`,
  }
}
