/**
 * The fake vendors on a real socket: a loopback HTTPS server that answers with the same msw
 * handlers the unit tests use (`getResponse`), for tests that run the server as its own process
 * (`npm start`, the e2e tests). Its certificate is self-signed and made at test time with the
 * openssl CLI; the process under test trusts it through NODE_EXTRA_CA_CERTS=<caPath> (Node reads
 * that variable only at start-up, so it must be in the child's environment). The socket and the
 * certificate come from bench/lib/loopback-https.ts, shared with the benchmarks' fake push service.
 *
 *   const srv = await startHttpsFake()
 *   const wecom = wecomFake(corp, srv.url); srv.use(...wecom.handlers)
 *   spawn('npm', ['start'], { env: { ...process.env, NODE_EXTRA_CA_CERTS: srv.caPath, WECOM_API_BASE: srv.url,
 *     CHANNEL_ALLOWED_HOSTS: srv.host } })
 */
import { getResponse, type HttpHandler } from 'msw'
import { startLoopbackHttps, type LoopbackHttps } from '../../bench/lib/loopback-https.ts'

export interface HttpsFake extends LoopbackHttps {
  /** the CHANNEL_ALLOWED_HOSTS entry: 127.0.0.1:<port> */
  host: string
  use: (...handlers: HttpHandler[]) => void
}

export async function startHttpsFake(handlers: HttpHandler[] = []): Promise<HttpsFake> {
  const active = [...handlers]
  const server = await startLoopbackHttps('xinlian-fake-tls-', (req, res) => {
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
  })
  return {
    ...server,
    use: (...more) => {
      active.unshift(...more)
    },
  }
}
