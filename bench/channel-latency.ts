/**
 * Channel latency (docs/alert-channels.md): from an `ecg_transmitted` request being posted to
 * (a) the WeCom `message/send` request and (b) the voice call request (Aliyun SingleCallByTts)
 * leaving the server — measured at their arrival at loopback HTTPS fakes of the vendors
 * (bench/lib/fake-vendors.ts, which check credentials, token, body and signature).
 *
 *   npx tsx bench/channel-latency.ts [consults=200]
 *
 * The server runs in its own process (the real HTTP app, pg-boss workers, the channel-send
 * queue); consults go one after another, each timed until both requests have arrived.
 * The bench network's consult ladder puts the voice step at 0 s (push + WeCom, then voice, both
 * at once, no hand-over steps) so the voice request is measured without waiting the default 60 s:
 * the number is the pipeline's own latency (ladder-step job → attempt row → channel-send job →
 * signed vendor call), not the ladder's wait. Between consults the earlier attempts are moved a
 * day back, so the per-number caps (voice: 1 a minute) do not stop the next sample's call.
 */
import { fork } from 'node:child_process'
import path from 'node:path'
import { isMain, runAlone } from './lib/alone.ts'
import { LANTIAN } from './lib/cases.ts'
import type { Cluster } from './lib/cluster.ts'
import { startFakeVendors, type Arrival } from './lib/fake-vendors.ts'
import type { BenchResult } from './lib/result.ts'
import { createCasesOverHttp, login, postJson } from './lib/server.ts'
import { loadAvg, round, summarize } from './lib/stats.ts'
import { connect } from '../workflows/runtime/platform/connect.ts'
import { demoId } from '../fixtures/demo-network.ts'

const SECRET_KEY = 'b7'.repeat(32)
const CREDS = {
  corpId: 'wwbenchcorp0001',
  corpSecret: 'bench-wecom-secret-7h2k',
  agentId: 1000002,
  accessKeyId: 'LTAIbenchvoice',
  accessKeySecret: 'bench-voice-secret-k81',
}

async function put(base: string, token: string, p: string, body: unknown) {
  const r = await fetch(`${base}${p}`, {
    method: p.startsWith('/api/admin/users/') ? 'PATCH' : 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  })
  if (r.status !== 200) throw new Error(`${p}: ${r.status} ${await r.text()}`)
}

export async function runChannelLatency(
  cluster: Cluster,
  opts: { consults?: number } = {},
): Promise<BenchResult> {
  const n = opts.consults ?? Number(process.env.BENCH_CONSULTS ?? 200)
  const db = await cluster.database('channels')
  let waiting: ((a: Arrival) => void) | null = null
  const vendors = await startFakeVendors(CREDS, (a) => waiting?.(a))
  const child = fork(path.resolve(import.meta.dirname, 'channel-server-child.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      BENCH_DB_URL: db.url,
      NODE_EXTRA_CA_CERTS: vendors.caPath,
      BENCH_SERVER_ENV: JSON.stringify({
        XINLIAN_SECRET_KEY: SECRET_KEY,
        CHANNEL_ALLOWED_HOSTS: vendors.host,
        WECOM_API_BASE: vendors.url,
        ALIYUN_VMS_ENDPOINT: vendors.url,
        ALIYUN_SMS_ENDPOINT: vendors.url,
        LOG_LEVEL: 'error',
      }),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const base = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { base: string }) => resolve(m.base))
    child.once('exit', (code) => reject(new Error(`server child exited with ${code}`)))
  })
  const sql = connect(db.url, 2)
  try {
    const admin = await login(base, 'admin')
    await put(base, admin, '/api/admin/channels/wecom', {
      corpId: CREDS.corpId,
      agentId: CREDS.agentId,
      secret: CREDS.corpSecret,
      callbackToken: 'benchcallbacktoken',
      callbackAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
    })
    await put(base, admin, '/api/admin/channels/voice', {
      provider: 'aliyun',
      accessKeyId: CREDS.accessKeyId,
      accessKeySecret: CREDS.accessKeySecret,
      templateCode: 'TTS_BENCH',
    })
    await put(base, admin, `/api/admin/users/${demoId('user:dr.chen')}`, {
      mobile: '13800000001',
      mobileVerified: true,
      wecomUserId: 'chen',
    })
    // The bench ladder: the voice step at 0 s (see the header), no hand-over steps.
    await put(base, admin, '/api/admin/ladders', {
      kind: 'consult',
      steps: [
        { afterSeconds: 0, to: 'alert', channels: ['webpush', 'wecom'] },
        { afterSeconds: 0, to: 'alert', channels: ['voice'] },
      ],
    })
    const lantian = await login(base, 'lantian')
    const caseIds = await createCasesOverHttp(base, lantian, LANTIAN, n, { concurrency: 4 })
    const toWecom: number[] = []
    const toVoice: number[] = []
    const missing: string[] = []
    const load = loadAvg()
    for (const id of caseIds) {
      const got: Partial<Record<Arrival['kind'], number>> = {}
      const both = new Promise<void>((resolve) => {
        waiting = (a) => {
          // The card links to the case (its id is in the body); the call carries the attempt id only.
          if (a.kind === 'wecom' && !a.body.includes(id)) return
          got[a.kind] ??= a.at
          if (got.wecom !== undefined && got.voice !== undefined) resolve()
        }
      })
      const t0 = performance.now()
      const r = await postJson(base, `/api/cases/${id}/events`, lantian, {
        id: crypto.randomUUID(),
        type: 'ecg_transmitted',
        at: new Date().toISOString(),
        via: 'upload',
      })
      if (r.status !== 201) throw new Error(`ecg_transmitted: ${r.status} ${JSON.stringify(r.json)}`)
      let timer: NodeJS.Timeout | undefined
      await Promise.race([both, new Promise<void>((r_) => (timer = setTimeout(r_, 10_000)))])
      clearTimeout(timer)
      waiting = null
      if (got.wecom !== undefined) toWecom.push(got.wecom - t0)
      if (got.voice !== undefined) toVoice.push(got.voice - t0)
      if (got.wecom === undefined || got.voice === undefined) missing.push(id)
      // Outside the timed window: fresh per-number caps for the next consult.
      await sql`update channel_attempts set created_at = created_at - interval '25 hours'`
    }
    const w = summarize(toWecom)
    const v = summarize(toVoice)
    const complete = missing.length === 0 && vendors.refused.length === 0
    return {
      name: 'channel-latency',
      rows: [
        {
          bench: 'channel-latency',
          metric: `ecg_transmitted → WeCom message/send, p50 (${n} consults)`,
          value: round(w.p50),
          unit: 'ms',
          status: 'info',
        },
        {
          bench: 'channel-latency',
          metric: `ecg_transmitted → WeCom message/send, p99 (${n} consults)`,
          value: round(w.p99),
          unit: 'ms',
          goal: '≤ 2000 ms',
          status: complete && w.p99 <= 2000 ? 'ok' : 'missed',
        },
        {
          bench: 'channel-latency',
          metric: `ecg_transmitted → voice call request, p50 (voice step at 0 s)`,
          value: round(v.p50),
          unit: 'ms',
          status: 'info',
        },
        {
          bench: 'channel-latency',
          metric: `ecg_transmitted → voice call request, p99 (voice step at 0 s)`,
          value: round(v.p99),
          unit: 'ms',
          status: complete ? 'info' : 'missed',
          note: 'ladder with the voice step at 0 s (default: 60 s), so this is the pipeline latency',
        },
      ],
      detail: {
        consults: n,
        load,
        wecom: w,
        voice: v,
        missing: missing.length,
        refusedByFakes: vendors.refused.slice(0, 20),
      },
    }
  } finally {
    await sql.end({ timeout: 2 })
    child.send('stop')
    await new Promise((r) => child.once('exit', r))
    await vendors.stop()
    await db.drop()
  }
}

if (isMain(import.meta))
  await runAlone((c) => runChannelLatency(c, { consults: Number(process.argv[2] ?? 200) }))
