import { execFileSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'

/**
 * Loopback HTTPS fakes of WeCom's server API and Aliyun's voice service (VMS) for the channel
 * latency bench, on 127.0.0.1 with a self-signed certificate made by `openssl` at run time. The
 * server under test runs in its own process and trusts the certificate through
 * NODE_EXTRA_CA_CERTS (Node reads it only at start-up). They check what the vendors check,
 * written from the vendors' documentation: WeCom — corp id and secret on `gettoken`, a known
 * access_token, agentid and touser on `message/send`; Aliyun — the RPC signature (HMAC-SHA1 over
 * "POST&%2F&" + the percent-encoded sorted parameters, keyed by AccessKeySecret + "&"), the
 * AccessKeyId, SingleCallByTts with CalledNumber and TtsCode. Each accepted request calls
 * `onArrival` with its `performance.now()` on arrival.
 */
export interface FakeVendorCreds {
  corpId: string
  corpSecret: string
  agentId: number
  accessKeyId: string
  accessKeySecret: string
}

export type Arrival = { kind: 'wecom' | 'voice'; at: number; body: string }

// RFC 3986 percent-encoding, as Aliyun's signature documentation specifies it.
const pct = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())

function aliyunSignatureOk(form: URLSearchParams, secret: string): boolean {
  const given = form.get('Signature')
  if (!given) return false
  const pairs = [...form.entries()].filter(([k]) => k !== 'Signature').sort(([a], [b]) => (a < b ? -1 : 1))
  const canonical = pairs.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&')
  const expected = crypto
    .createHmac('sha1', secret + '&')
    .update(`POST&${pct('/')}&${pct(canonical)}`)
    .digest('base64')
  return given.length === expected.length && crypto.timingSafeEqual(Buffer.from(given), Buffer.from(expected))
}

export async function startFakeVendors(creds: FakeVendorCreds, onArrival: (a: Arrival) => void) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xinlian-bench-vendors-'))
  const key = path.join(dir, 'key.pem')
  const cert = path.join(dir, 'cert.pem')
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  )
  const tokens = new Set<string>()
  const refused: string[] = []
  let n = 0
  const server = https.createServer(
    { key: fs.readFileSync(key), cert: fs.readFileSync(cert) },
    (req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const at = performance.now()
        const url = new URL(req.url ?? '/', 'https://127.0.0.1')
        const text = Buffer.concat(chunks).toString('utf8')
        const json = (status: number, body: unknown) =>
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
        const wecomErr = (errcode: number, errmsg: string) => {
          refused.push(`${url.pathname} ${errcode}`)
          json(200, { errcode, errmsg })
        }
        if (req.method === 'GET' && url.pathname === '/cgi-bin/gettoken') {
          if (url.searchParams.get('corpid') !== creds.corpId) return wecomErr(40013, 'invalid corpid')
          if (url.searchParams.get('corpsecret') !== creds.corpSecret)
            return wecomErr(40001, 'invalid credential')
          const t = crypto.randomBytes(24).toString('base64url')
          tokens.add(t)
          return json(200, { errcode: 0, errmsg: 'ok', access_token: t, expires_in: 7200 })
        }
        if (req.method === 'POST' && url.pathname === '/cgi-bin/message/send') {
          if (!tokens.has(url.searchParams.get('access_token') ?? ''))
            return wecomErr(40014, 'invalid access_token')
          let b: { agentid?: unknown; touser?: unknown; msgtype?: unknown }
          try {
            b = JSON.parse(text) as typeof b
          } catch {
            return wecomErr(47001, 'data format error')
          }
          if (b.agentid !== creds.agentId) return wecomErr(40058, 'invalid parameter: agentid')
          if (typeof b.touser !== 'string' || !b.touser) return wecomErr(40058, 'invalid parameter: touser')
          if (b.msgtype !== 'template_card' && b.msgtype !== 'textcard')
            return wecomErr(40008, 'invalid msgtype')
          onArrival({ kind: 'wecom', at, body: text })
          n++
          return json(200, {
            errcode: 0,
            errmsg: 'ok',
            invaliduser: '',
            msgid: `msg-${n}`,
            response_code: `rc-${n}`,
          })
        }
        if (req.method === 'POST' && url.pathname === '/') {
          const form = new URLSearchParams(text)
          const fail = (Code: string) => {
            refused.push(`vms ${Code}`)
            json(400, { Code, Message: Code, RequestId: crypto.randomUUID() })
          }
          if (form.get('AccessKeyId') !== creds.accessKeyId) return fail('InvalidAccessKeyId.NotFound')
          if (!aliyunSignatureOk(form, creds.accessKeySecret)) return fail('SignatureDoesNotMatch')
          if (form.get('Action') !== 'SingleCallByTts') return fail('InvalidAction.NotFound')
          if (!form.get('CalledNumber') || !form.get('TtsCode')) return fail('MissingParameter')
          onArrival({ kind: 'voice', at, body: text })
          n++
          return json(200, { Code: 'OK', Message: 'OK', RequestId: crypto.randomUUID(), CallId: `call-${n}` })
        }
        refused.push(`${req.method} ${url.pathname} 404`)
        json(404, { errcode: 404, errmsg: 'not found' })
      })
    },
  )
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return {
    url: `https://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    caPath: cert,
    /** Requests refused (wrong credentials, token, body or signature): a bench run expects none. */
    refused,
    stop: async () => {
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
