/**
 * A loopback HTTPS server with a self-signed certificate made at run time by the openssl CLI:
 * the fake Web Push service of the benchmarks (bench/lib/fake-push.ts) and the fake vendors of
 * the tests (test/fakes/https-server.ts). It lives in bench/lib because the layering lint lets
 * tests import bench/lib but not bench import test/ (eslint.config.js), and it is no part of the
 * product (api/, workflows/ and fixtures/ must not import it).
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface LoopbackHttps {
  /** https://127.0.0.1:<port> */
  url: string
  /** 127.0.0.1:<port> */
  host: string
  port: number
  /** PEM file of the self-signed certificate (for NODE_EXTRA_CA_CERTS or an agent's `ca`) */
  caPath: string
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

/** Listen on 127.0.0.1 (a free port) with a new certificate; `close` also removes the key files. */
export async function startLoopbackHttps(
  tmpPrefix: string,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<LoopbackHttps> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix))
  const { keyPath, certPath } = await selfSignedCert(dir)
  const server: Server = createServer(
    { key: fs.readFileSync(keyPath), cert: fs.readFileSync(certPath) },
    handler,
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `https://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    port,
    caPath: certPath,
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
