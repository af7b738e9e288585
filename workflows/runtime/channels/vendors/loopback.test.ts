import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SendResult } from '../vendor.ts'
import { aliyunFake, fakeAliyunKey } from '../../../../test/fakes/aliyun.ts'
import { startHttpsFake, type HttpsFake } from '../../../../test/fakes/https-server.ts'
import { fakeTencentKey, tencentFake } from '../../../../test/fakes/tencent.ts'
import { fakeCorp, wecomFake } from '../../../../test/fakes/wecom.ts'

/**
 * The fakes on a real TLS socket, called from a separate Node process the way the server is run
 * in end-to-end tests: the endpoints come from the environment variables, the allow-list is the
 * loopback host:port, and the self-signed certificate is trusted only through NODE_EXTRA_CA_CERTS.
 */
const run = promisify(execFile)
const REPO = path.resolve(import.meta.dirname, '../../../..')
const CHILD = path.join(REPO, 'test/fakes/send-from-child.ts')

let srv: HttpsFake
const corp = fakeCorp()
const ali = fakeAliyunKey()
const tc = fakeTencentKey()
const apps = { smsSdkAppId: '1400000001', voiceSdkAppId: '1400000002' }
let wecom: ReturnType<typeof wecomFake>
let aliyun: ReturnType<typeof aliyunFake>
let tencent: ReturnType<typeof tencentFake>

beforeAll(async () => {
  srv = await startHttpsFake()
  // One server, one path prefix per vendor, as a private gateway would route them.
  wecom = wecomFake(corp, `${srv.url}/wecom`)
  aliyun = aliyunFake(ali, { sms: `${srv.url}/dysms`, vms: `${srv.url}/dyvms` })
  tencent = tencentFake(tc, apps, { sms: `${srv.url}/tcsms`, vms: `${srv.url}/tcvms` })
  srv.use(...wecom.handlers, ...aliyun.handlers, ...tencent.handlers)
})
afterAll(() => srv.close())

async function child(jobs: object[], trust = true): Promise<SendResult[]> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  if (trust) env.NODE_EXTRA_CA_CERTS = srv.caPath
  else delete env.NODE_EXTRA_CA_CERTS
  const { stdout } = await run(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(jobs)], {
    cwd: REPO,
    env,
  })
  return JSON.parse(stdout) as SendResult[]
}

const env = () => ({
  WECOM_API_BASE: `${srv.url}/wecom`,
  ALIYUN_SMS_ENDPOINT: `${srv.url}/dysms`,
  ALIYUN_VMS_ENDPOINT: `${srv.url}/dyvms`,
  TENCENT_SMS_ENDPOINT: `${srv.url}/tcsms`,
  TENCENT_VMS_ENDPOINT: `${srv.url}/tcvms`,
})
const msg = { mobile: '13800138000', params: { '1': '急会诊' }, outId: 'att-9' }

const wecomJob = () => ({
  allowed: [srv.host],
  env: env(),
  call: 'wecom',
  settings: corp,
  args: {
    toUsers: ['chen'],
    card: {
      taskId: 'loop-1',
      title: '急会诊',
      description: '蓝田',
      rows: [],
      url: 'https://x.test/c',
      buttons: [{ key: 'ack', text: '接诊' }],
    },
  },
})
const aliyunSmsJob = () => ({
  allowed: [srv.host],
  env: env(),
  call: 'sms',
  settings: { provider: 'aliyun', ...ali, signName: '心联', templateCode: 'SMS_1' },
  args: msg,
})
const tencentVoiceJob = () => ({
  allowed: [srv.host],
  env: env(),
  call: 'voice',
  settings: {
    provider: 'tencent',
    accessKeyId: tc.secretId,
    accessKeySecret: tc.secretKey,
    templateCode: '2900001',
    sdkAppId: apps.voiceSdkAppId,
  },
  args: msg,
})

describe('vendor clients against the loopback HTTPS fakes, from another process', () => {
  it('WeCom (token + card), Aliyun SMS and Tencent voice are signed and accepted over real TLS; a port other than the pinned one is refused', async () => {
    const [card, aliyunSms, tencentVoice, offList] = await child([
      wecomJob(),
      aliyunSmsJob(),
      tencentVoiceJob(),
      { ...tencentVoiceJob(), allowed: ['127.0.0.1:1'] },
    ])
    expect(card).toMatchObject({ ok: true })
    expect(wecom.calls('/wecom/cgi-bin/message/send')).toHaveLength(1)
    expect(aliyunSms).toMatchObject({ ok: true })
    expect(aliyun.seen.at(-1)!.host).toBe(srv.host)
    expect(tencentVoice).toMatchObject({ ok: true })
    expect(offList).toMatchObject({ ok: false, code: 'refused', retryable: false })
    expect(tencent.seen).toHaveLength(1)
  }, 30_000)

  it('without the CA the TLS handshake fails, reported as a retryable network failure', async () => {
    const before = tencent.seen.length
    expect(await child([tencentVoiceJob()], false)).toMatchObject([
      { ok: false, code: 'network', retryable: true },
    ])
    expect(tencent.seen.length).toBe(before)
  }, 30_000)
})
