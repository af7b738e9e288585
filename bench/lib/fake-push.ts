import { execFileSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import ece from 'http_ece'

/**
 * A loopback Web Push service: HTTPS on 127.0.0.1 with a self-signed certificate made by
 * `openssl` at run time, trusted by this process's global HTTPS agent (web-push only speaks
 * https). It answers 201 and decrypts each message with the fake browser's keys.
 */
export async function startFakePush(onPush: (plain: string, at: number) => void) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xinlian-bench-push-'))
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
  const certPem = fs.readFileSync(cert)
  https.globalAgent.options.ca = [certPem]
  const browser = crypto.createECDH('prime256v1')
  browser.generateKeys()
  const auth = crypto.randomBytes(16)
  const server = https.createServer({ key: fs.readFileSync(key), cert: certPem }, (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const at = performance.now()
      res.writeHead(201).end()
      try {
        const plain = ece.decrypt(Buffer.concat(chunks), {
          version: 'aes128gcm',
          privateKey: browser,
          authSecret: auth.toString('base64url'),
        })
        onPush(plain.toString('utf8'), at)
      } catch {
        onPush('', at)
      }
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return {
    subscription: (id: string) => ({
      endpoint: `https://127.0.0.1:${port}/push/${id}`,
      keys: { p256dh: browser.getPublicKey('base64url'), auth: auth.toString('base64url') },
    }),
    stop: async () => {
      await new Promise<void>((r) => server.close(() => r()))
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
