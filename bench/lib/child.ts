import { spawn } from 'node:child_process'
import path from 'node:path'

/**
 * Run a bench script in its own Node process (load generators must not share the server's
 * event loop) and return the JSON it prints as its last stdout line.
 */
export async function runChild<T>(script: string, input: unknown): Promise<T> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.resolve(import.meta.dirname, '..', script)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, BENCH_INPUT: JSON.stringify(input) },
    },
  )
  let out = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (d: string) => (out += d))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  if (code !== 0) throw new Error(`${script} exited with ${code}: ${out.slice(-500)}`)
  const last = out.trim().split('\n').pop() ?? ''
  return JSON.parse(last) as T
}

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the shape it was sent
export function childInput<T>(): T {
  const raw = process.env.BENCH_INPUT
  if (!raw) throw new Error('BENCH_INPUT is not set: this script is started by another bench module')
  return JSON.parse(raw) as T
}
