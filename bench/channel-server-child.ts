/**
 * The real server in its own process for bench/channel-latency.ts: started with
 * NODE_EXTRA_CA_CERTS so that its outbound fetch trusts the loopback vendor fakes' certificate.
 * Sends `{ ready, base }` over IPC; `stop` ends it.
 */
import { startServer } from './lib/server.ts'

const url = process.env.BENCH_DB_URL
if (!url || !process.send) throw new Error('started by bench/channel-latency.ts only')
const env = JSON.parse(process.env.BENCH_SERVER_ENV ?? '{}') as Record<string, string>
const srv = await startServer(url, { env })
process.on('message', (m: string) => {
  if (m === 'stop') void srv.stop().then(() => process.exit(0))
})
process.send({ ready: true, base: srv.base })
