/**
 * The fake vendors on a real socket: a loopback HTTPS server that answers with the same msw
 * handlers the unit tests use (`getResponse`), for tests that run the server as its own process
 * (`npm start`, the e2e tests). Its certificate is self-signed and made at test time with the
 * openssl CLI; the process under test trusts it through NODE_EXTRA_CA_CERTS=<caPath> (Node reads
 * that variable only at start-up, so it must be in the child's environment).
 *
 *   const srv = await startHttpsFake()
 *   const wecom = wecomFake(corp, srv.url); srv.use(...wecom.handlers)
 *   spawn('npm', ['start'], { env: { ...process.env, NODE_EXTRA_CA_CERTS: srv.caPath, WECOM_API_BASE: srv.url,
 *     CHANNEL_ALLOWED_HOSTS: srv.host } })
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import { createServer, type Server } from 'node:https'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { getResponse, type HttpHandler } from 'msw'

const run = promisify(execFile)

export interface HttpsFake {
  /** https://127.0.0.1:<port> */
  url: string
  /** 127.0.0.1:<port>, the CHANNEL_ALLOWED_HOSTS entry */
  host: string
  port: number
  /** PEM of the self-signed certificate, for NODE_EXTRA_CA_CERTS */
  caPath: string
  use: (...handlers: HttpHandler[]) => void
  close: () => Promise<void>
}

/** A fresh self-signed certificate for 127.0.0.1 and localhost, valid for a day. */
export async function selfSignedCert(dir: string): Promise<{ keyPath: string; certPath: string }> {
  const keyPath = path.join(dir, 'key.pem')
  const certPath = path.join(dir, 'cert.pem')
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ])
  return { keyPath, certPath }
}

export async function startHttpsFake(handlers: HttpHandler[] = []): Promise<HttpsFake> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xinlian-fake-tls-'))
  const { keyPath, certPath } = await selfSignedCert(dir)
  const active = [...handlers]
  const server: Server = createServer(
    { key: fs.readFileSync(keyPath), cert: fs.readFileSync(certPath) },
    (req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        void (async () => {
          const headers = new Headers()
          for (const [k, v] of Object.entries(req.headers))
            if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v)
          const body = Buffer.concat(chunks)
          const request = new Request(`https://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, {
            method: req.method ?? 'GET',
            headers,
            body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
          })
          const response = await getResponse(active, request)
          if (!response) {
            res.writeHead(404, { 'content-type': 'text/plain' }).end('no fake handler')
            return
          }
          const out = Buffer.from(await response.arrayBuffer())
          res.writeHead(response.status, Object.fromEntries(response.headers)).end(out)
        })().catch(() => {
          res.writeHead(500).end('fake failed')
        })
      })
    },
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    url: `https://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    port,
    caPath: certPath,
    use: (...more) => {
      active.unshift(...more)
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => {
          fs.rmSync(dir, { recursive: true, force: true })
          resolve()
        })
      }),
  }
}
