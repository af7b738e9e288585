import { spawn } from 'node:child_process'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { freePort } from '../../workflows/runtime/platform/embedded.ts'
import { testEnv, type TestEnv } from '../harness.ts'
import { startServerChild } from '../server-child.ts'
import { iso, postEvent, startCase } from '../push-support.ts'
import { CHANNEL_ENV, configureChannels } from '../channel-support.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const ROOT = path.resolve(import.meta.dirname, '../..')

let t: TestEnv
beforeAll(async () => {
  // This process records the consult but runs no worker: only the server child does.
  t = await testEnv({ workers: false, env: CHANNEL_ENV })
  await configureChannels(t)
})
afterAll(async () => t.close())

const startServer = () => startServerChild({ ...CHANNEL_ENV, DATABASE_URL: t.url, XINLIAN_DEMO: '0' })

const withoutKey = (env: NodeJS.ProcessEnv) => {
  const { XINLIAN_SECRET_KEY: _unset, ...rest } = env
  return rest
}

const voiceAttempts = (caseId: string) =>
  t.sql<{ step: number }[]>`select step from channel_attempts where case_id = ${caseId} and channel = 'voice'`

it('channels configured but XINLIAN_SECRET_KEY missing: the server refuses to start, saying why', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'api/server.ts'], {
    cwd: ROOT,
    env: {
      ...withoutKey(process.env),
      DATABASE_URL: t.url,
      PORT: String(await freePort()),
      XINLIAN_DEMO: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let err = ''
  child.stderr.on('data', (b: Buffer) => (err += b.toString()))
  child.stdout.on('data', (b: Buffer) => (err += b.toString()))
  const code = await new Promise((r) => child.once('exit', r))
  expect(code).not.toBe(0)
  expect(err).toContain('XINLIAN_SECRET_KEY is not set, but alert channels')
}, 60_000)

it('the voice step pending at a kill -9 of the server runs after the restart', async () => {
  const caseId = await startCase(t, 15 * 60_000)
  // The voice step is due 60 s after the transmission: back-date it so that it falls due in ~12 s.
  const transmitted = Date.now() - 48_000
  const r = await postEvent(t, 'lantian', caseId, { type: 'ecg_transmitted', via: 'upload', at: iso(48_000) })
  expect(r.status).toBe(201)
  const [job] = await t.sql`select id from pgboss.job where name = 'ladder-step' and state = 'created'
                              and data->>'alertId' in (select id::text from alerts where case_id = ${caseId})`
  expect(job).toBeDefined()

  const first = await startServer()
  first.child.kill('SIGKILL') // a crash between the first step and the voice call
  await first.exited
  await sleep(Math.max(0, transmitted + 60_000 - Date.now()) + 1_000)
  expect(await voiceAttempts(caseId)).toEqual([]) // due, but nobody was running

  const second = await startServer()
  try {
    let rows: { step: number }[] = []
    for (let i = 0; i < 160 && !rows.length; i++) {
      await sleep(250)
      rows = await voiceAttempts(caseId)
    }
    expect(rows).toEqual([{ step: 1 }])
  } finally {
    second.child.kill('SIGTERM')
    await second.exited
  }
}, 120_000)
