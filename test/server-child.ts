import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { freePort } from '../workflows/runtime/platform/embedded.ts'

const ROOT = path.resolve(import.meta.dirname, '..')

/** Whether this Node runs .ts files without a loader (type stripping, on by default from 22.18). */
export const NATIVE_TYPESCRIPT = Boolean((process.features as { typescript?: string }).typescript)

export interface ServerChild {
  child: ChildProcess
  base: string
  /** Everything the child wrote to stderr (its warn/error log lines). */
  stderr: () => string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/**
 * The production entry point (api/server.ts) as a separate OS process, resolved once it listens.
 * On a Node that strips TypeScript types itself (22.18+, `process.features.typescript`) it runs as
 * production does there, `node api/server.ts` with no loader; on Node 20 through tsx, as
 * `npm start` does. CI runs the suite on both, so both ways of starting are tested.
 */
export async function startServerChild(
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<ServerChild> {
  const port = await freePort()
  const loader = NATIVE_TYPESCRIPT ? [] : ['--import', 'tsx']
  const child = spawn(process.execPath, [...loader, ...nodeArgs, 'api/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let err = ''
  child.stderr.on('data', (b: Buffer) => (err += b.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${err.slice(-500)}`)), 90_000)
    child.stdout.on('data', (b: Buffer) => {
      if (!b.toString().includes('is running at')) return
      clearTimeout(timer)
      resolve()
    })
    void exited.then(({ code }) => reject(new Error(`server exited ${code}: ${err.slice(-500)}`)))
  })
  return { child, base: `http://127.0.0.1:${port}`, stderr: () => err, exited }
}
