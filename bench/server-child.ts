/**
 * The real server in its own process for bench/memory.ts (so its RSS is the server's alone).
 * Talks over IPC: sends `{ ready, base }`, answers `mem` with its memory after a full GC.
 */
import { startServer } from './lib/server.ts'

const url = process.env.BENCH_DB_URL
if (!url || !process.send) throw new Error('started by bench/memory.ts only')
const srv = await startServer(url)
const gc = (globalThis as { gc?: () => void }).gc
process.on('message', (m: string) => {
  if (m === 'mem') {
    gc?.()
    const u = process.memoryUsage()
    process.send!({ mem: { rss: u.rss, heapUsed: u.heapUsed, external: u.external } })
  } else if (m === 'stop') {
    void srv.stop().then(() => process.exit(0))
  }
})
process.send({ ready: true, base: srv.base })
