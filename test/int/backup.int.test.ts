import { execFile, spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { connect, type Sql } from '../../workflows/runtime/platform/connect.ts'
import { findPgDump } from '../../workflows/runtime/platform/backup.ts'
import { verifyAuditChain } from '../../workflows/runtime/security/audit-chain.ts'
import { freePort } from '../../workflows/runtime/platform/embedded.ts'
import { freshDatabase, testEnv, type TestEnv } from '../harness.ts'
import { JPEG, LANTIAN, postEvent, PUSH_ENV, startCase, upload } from '../push-support.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')
let t: TestEnv
let tmp: string
beforeAll(async () => {
  t = await testEnv({ env: PUSH_ENV, workers: false })
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xinlian-backup-'))
  for (let i = 0; i < 3; i++) {
    const caseId = await startCase(t, (12 + i) * 60_000)
    expect(
      (await postEvent(t, 'lantian', caseId, { type: 'ecg_acquired', facilityId: LANTIAN })).status,
    ).toBe(201)
    expect((await upload(t, 'lantian', caseId, JPEG())).status).toBe(201)
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(300_000)]) // bytes 0–255, incl. NUL
    expect((await upload(t, 'lantian', caseId, pdf, 'application/pdf', 'ecg.pdf')).status).toBe(201)
  }
})
afterAll(async () => {
  await t.close()
  fs.rmSync(tmp, { recursive: true, force: true })
})

const cli = (script: string, args: string[], env: Record<string, string>) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    timeout: 120_000,
  })

/** Everything the comparison looks at, as text: rows of the clinical tables, attachment bytes by hash. */
async function snapshot(sql: Sql) {
  const cases = await sql`select to_jsonb(c) as r from cases c order by id`
  const events = await sql`select to_jsonb(e) as r from case_events e order by seq`
  const attachments = await sql`
    select id, case_id, content_type, length(data) as size, encode(sha256(data), 'hex') as sha
      from attachments order by id`
  const counts = await sql`
    select relname, (xpath('/row/n/text()', query_to_xml(format('select count(*) as n from %I.%I', schemaname, relname), false, true, '')))[1]::text as n
      from pg_stat_user_tables where schemaname in ('public', 'pgboss') order by schemaname, relname`
  return { cases, events, attachments, counts }
}

interface Source {
  url: string
  sql: Sql
  /** An empty database on the same server, as a new server has. */
  fresh: () => Promise<{ url: string; drop: () => Promise<void> }>
  env?: Record<string, string>
}

/** The test database (cloned from the migrated template, which restore's emptiness check refuses). */
const testSource = (): Source => ({
  url: t.url,
  sql: t.sql,
  fresh: async () => {
    const target = await freshDatabase()
    const db = connect(target.url, 1)
    await db`drop schema public cascade`
    await db`drop schema if exists pgboss cascade`
    await db`create schema public`
    await db.end()
    return target
  },
})

async function roundTrip(
  method: 'xinlian-rows' | 'pg_dump',
  source: Source = testSource(),
  label: string = method,
) {
  const out = path.join(tmp, label)
  await cli('api/cli/backup.ts', [out], {
    DATABASE_URL: source.url,
    XINLIAN_BACKUP_METHOD: method,
    ...source.env,
  })
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { format: string }
  expect(manifest.format).toBe(method === 'pg_dump' ? 'pg_dump' : 'xinlian-rows/1')
  // Patient data is not readable in the archive's listing; the files are private to the operator.
  expect(fs.statSync(path.join(out, 'manifest.json')).mode & 0o077).toBe(0)

  const target = await source.fresh()
  const fresh = connect(target.url, 2)
  try {
    await cli('api/cli/restore.ts', [out], { DATABASE_URL: target.url, ...source.env })
    const before = await snapshot(source.sql)
    const after = await snapshot(fresh)
    expect(before.cases.length).toBeGreaterThanOrEqual(3)
    expect(before.attachments.length).toBe(6)
    expect(after.cases).toEqual(before.cases)
    expect(after.events).toEqual(before.events)
    expect(after.attachments).toEqual(before.attachments)
    expect(after.counts).toEqual(before.counts)
    // Byte for byte, not only by hash.
    const [a] = await source.sql<{ data: Buffer }[]>`select data from attachments order by id limit 1`
    const [b] = await fresh<{ data: Buffer }[]>`select data from attachments order by id limit 1`
    expect(Buffer.compare(a!.data, b!.data)).toBe(0)
    expect(createHash('sha256').update(b!.data).digest('hex')).toBe(before.attachments[0]!.sha)
    expect((await verifyAuditChain(fresh)).broken).toEqual([])
    // The restored database keeps working: new audit rows and identities continue after the old.
    await fresh`insert into audit_log (action, entity) values ('test.after_restore', 'case')`
    expect((await verifyAuditChain(fresh)).broken).toEqual([])
    // Refuses to restore over data.
    await expect(
      cli('api/cli/restore.ts', [out], { DATABASE_URL: target.url, ...source.env }),
    ).rejects.toThrow(/not empty/)
  } finally {
    await fresh.end()
    await target.drop()
  }
}

it('a backup restored into an empty database holds every case, event and attachment, identical', async () => {
  await roundTrip('xinlian-rows')
}, 180_000)

it('the same with pg_dump/pg_restore of the server’s major version', async (ctx) => {
  const [v] = await t.sql<{ n: string }[]>`select current_setting('server_version_num') as n`
  if (await findPgDump(Math.floor(Number(v!.n) / 10000))) return roundTrip('pg_dump')
  // The embedded server is PostgreSQL 18 and its package ships no pg_dump; Debian's PostgreSQL
  // (postgresql-15, installed by .ci/run) has a server and a pg_dump of one version. Move the
  // data there with the other format, then round-trip it with pg_dump/pg_restore of that server.
  const debian = debianPostgres()
  if (!debian) {
    if (process.env.XINLIAN_REQUIRE_PG_DUMP)
      throw new Error(
        'no pg_dump as new as the server, and no Debian PostgreSQL (apt-get install postgresql-15)',
      )
    return ctx.skip(
      'no pg_dump as new as the server, and no Debian PostgreSQL (apt-get install postgresql-15)',
    )
  }
  const rows = path.join(tmp, 'rows-for-debian')
  await cli('api/cli/backup.ts', [rows], { DATABASE_URL: t.url, XINLIAN_BACKUP_METHOD: 'xinlian-rows' })
  const server = await startDebianPostgres(debian, path.join(tmp, 'pg-debian'))
  try {
    const src = await server.createDb('src')
    await cli('api/cli/restore.ts', [path.join(tmp, 'xinlian-rows')], {
      DATABASE_URL: src.url,
      ...server.env,
    })
    const srcSql = connect(src.url, 2)
    try {
      // What arrived on the Debian server is what the test database holds.
      const a = await snapshot(t.sql)
      const b = await snapshot(srcSql)
      expect(b.cases).toEqual(a.cases)
      expect(b.events).toEqual(a.events)
      expect(b.attachments).toEqual(a.attachments)
      let n = 0
      await roundTrip(
        'pg_dump',
        { url: src.url, sql: srcSql, fresh: () => server.createDb(`dst${n++}`), env: server.env },
        'pg_dump-debian',
      )
      const manifest = JSON.parse(
        fs.readFileSync(path.join(tmp, 'pg_dump-debian', 'manifest.json'), 'utf8'),
      ) as {
        serverVersion: string
      }
      expect(manifest.serverVersion.split('.')[0]).toBe(String(debian.major))
    } finally {
      await srcSql.end()
    }
  } finally {
    await server.stop()
  }
}, 300_000)

/** The newest Debian PostgreSQL with a server, initdb, pg_dump and pg_restore of one version. */
function debianPostgres(): { bin: string; major: number } | undefined {
  const root = '/usr/lib/postgresql'
  if (!fs.existsSync(root)) return undefined
  for (const v of fs.readdirSync(root).sort((a, b) => Number(b) - Number(a))) {
    const bin = path.join(root, v, 'bin')
    if (['postgres', 'initdb', 'pg_dump', 'pg_restore'].every((f) => fs.existsSync(path.join(bin, f))))
      return { bin, major: Number(v) }
  }
  return undefined
}

/** A throwaway server from those binaries: loopback only, trust auth, as the `postgres` user when root. */
async function startDebianPostgres(debian: { bin: string }, dir: string) {
  const asUser: { uid?: number; gid?: number } = {}
  if (process.getuid?.() === 0) {
    const { stdout: uid } = await promisify(execFile)('id', ['-u', 'postgres'])
    const { stdout: gid } = await promisify(execFile)('id', ['-g', 'postgres'])
    asUser.uid = Number(uid)
    asUser.gid = Number(gid)
  }
  // The server's user must be able to enter the (private) temporary folder: traverse, not list.
  fs.chmodSync(path.dirname(dir), 0o711)
  fs.mkdirSync(dir, { mode: 0o700 })
  if (asUser.uid !== undefined) fs.chownSync(dir, asUser.uid, asUser.gid!)
  await promisify(execFile)(
    path.join(debian.bin, 'initdb'),
    ['-D', dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8'],
    {
      ...asUser,
      env: { ...process.env, LC_ALL: 'C.UTF-8' },
    },
  )
  const port = await freePort()
  const child = spawn(
    path.join(debian.bin, 'postgres'),
    ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-k', dir, '-c', 'fsync=off'],
    { ...asUser, stdio: 'ignore' },
  )
  const exited = new Promise((r) => child.once('exit', r))
  const url = (db: string) => `postgres://postgres@127.0.0.1:${port}/${db}`
  for (let i = 0; ; i++) {
    const probe = connect(url('postgres'), 1)
    try {
      await probe`select 1`
      break
    } catch (e) {
      if (i > 100 || child.exitCode !== null) throw e
      await new Promise((r) => setTimeout(r, 200))
    } finally {
      await probe.end()
    }
  }
  return {
    env: { XINLIAN_PG_BIN: debian.bin },
    createDb: async (name: string) => {
      const admin = connect(url('postgres'), 1)
      await admin.unsafe(`create database ${name}`)
      await admin.end()
      return {
        url: url(name),
        drop: async () => {
          const a = connect(url('postgres'), 1)
          await a.unsafe(`drop database if exists ${name} with (force)`)
          await a.end()
        },
      }
    },
    stop: async () => {
      child.kill('SIGINT')
      await exited
    },
  }
}
