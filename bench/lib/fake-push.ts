import crypto from 'node:crypto'
import fs from 'node:fs'
import https from 'node:https'
import ece from 'http_ece'
import { startLoopbackHttps } from './loopback-https.ts'

/**
 * A loopback Web Push service: HTTPS on 127.0.0.1 with a self-signed certificate made by
 * `openssl` at run time, trusted by this process's global HTTPS agent (web-push only speaks
 * https). It answers 201 and decrypts each message with the fake browser's keys.
 */
export async function startFakePush(onPush: (plain: string, at: number) => void) {
  const browser = crypto.createECDH('prime256v1')
  browser.generateKeys()
  const auth = crypto.randomBytes(16)
  const server = await startLoopbackHttps('xinlian-bench-push-', (req, res) => {
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
  // web-push only speaks https: this process's global agent trusts the certificate.
  https.globalAgent.options.ca = [fs.readFileSync(server.caPath)]
  return {
    subscription: (id: string) => ({
      endpoint: `${server.url}/push/${id}`,
      keys: { p256dh: browser.getPublicKey('base64url'), auth: auth.toString('base64url') },
    }),
    stop: () => server.close(),
  }
}
