import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { connect, type Sql } from '../../workflows/runtime/platform/connect.ts'
import { findPgDump } from '../../workflows/runtime/platform/backup.ts'
import { verifyAuditChain } from '../../workflows/runtime/security/audit-chain.ts'
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

async function roundTrip(method: 'xinlian-rows' | 'pg_dump') {
  const out = path.join(tmp, method)
  await cli('api/cli/backup.ts', [out], { DATABASE_URL: t.url, XINLIAN_BACKUP_METHOD: method })
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { format: string }
  expect(manifest.format).toBe(method === 'pg_dump' ? 'pg_dump' : 'xinlian-rows/1')
  // Patient data is not readable in the archive's listing; the files are private to the operator.
  expect(fs.statSync(path.join(out, 'manifest.json')).mode & 0o077).toBe(0)

  const target = await freshDatabase()
  const fresh = connect(target.url, 2)
  try {
    // freshDatabase clones the migrated template: empty it to an empty database as a new server has.
    await fresh`drop schema public cascade`
    await fresh`drop schema if exists pgboss cascade`
    await fresh`create schema public`
    await cli('api/cli/restore.ts', [out], { DATABASE_URL: target.url })
    const before = await snapshot(t.sql)
    const after = await snapshot(fresh)
    expect(before.cases.length).toBeGreaterThanOrEqual(3)
    expect(before.attachments.length).toBe(6)
    expect(after.cases).toEqual(before.cases)
    expect(after.events).toEqual(before.events)
    expect(after.attachments).toEqual(before.attachments)
    expect(after.counts).toEqual(before.counts)
    // Byte for byte, not only by hash.
    const [a] = await t.sql<{ data: Buffer }[]>`select data from attachments order by id limit 1`
    const [b] = await fresh<{ data: Buffer }[]>`select data from attachments order by id limit 1`
    expect(Buffer.compare(a!.data, b!.data)).toBe(0)
    expect(createHash('sha256').update(b!.data).digest('hex')).toBe(before.attachments[0]!.sha)
    expect((await verifyAuditChain(fresh)).broken).toEqual([])
    // The restored database keeps working: new audit rows and identities continue after the old.
    await fresh`insert into audit_log (action, entity) values ('test.after_restore', 'case')`
    expect((await verifyAuditChain(fresh)).broken).toEqual([])
    // Refuses to restore over data.
    await expect(cli('api/cli/restore.ts', [out], { DATABASE_URL: target.url })).rejects.toThrow(/not empty/)
  } finally {
    await fresh.end()
    await target.drop()
  }
}

it('a backup restored into an empty database holds every case, event and attachment, identical', async () => {
  await roundTrip('xinlian-rows')
}, 180_000)

it('the same with pg_dump/pg_restore when a pg_dump as new as the server is installed', async (ctx) => {
  const [v] = await t.sql<{ n: string }[]>`select current_setting('server_version_num') as n`
  const tools = await findPgDump(Math.floor(Number(v!.n) / 10000))
  if (!tools) ctx.skip('no pg_dump at least as new as the server (the embedded package ships none)')
  await roundTrip('pg_dump')
}, 180_000)
