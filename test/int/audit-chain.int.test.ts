import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { verifyAuditChain } from '../../workflows/runtime/security/audit-chain.ts'
import { testEnv, type TestEnv } from '../harness.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')
let t: TestEnv
beforeAll(async () => {
  t = await testEnv({ workers: false })
  // Audit rows from several writers: sign-ins (api/http/sign-in.ts) and concurrent direct inserts.
  await t.login('admin')
  await t.login('qa2')
  const [n] = await t.sql<{ id: string }[]>`select id from networks order by created_at limit 1`
  await Promise.all(
    Array.from(
      { length: 20 },
      (_, i) =>
        t.sql`insert into audit_log (network_id, action, entity, entity_id, after)
            values (${n!.id}, 'test.parallel', 'case', ${String(i)}, ${t.sql.json({ i, text: '心联' })})`,
    ),
  )
})
afterAll(async () => t.close())

/** Change stored audit rows as someone with database access would (the append-only trigger off). */
async function tamper(fn: () => Promise<unknown>) {
  await t.sql`alter table audit_log disable trigger audit_log_no_update`
  try {
    await fn()
  } finally {
    await t.sql`alter table audit_log enable trigger audit_log_no_update`
  }
}

const verifyCli = async () => {
  try {
    const r = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'api/cli/audit-verify.ts'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: t.url, LOG_LEVEL: 'silent' },
    })
    return { code: 0, out: r.stdout + r.stderr }
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string }
    return { code: err.code, out: err.stdout + err.stderr }
  }
}

it('every row is chained per network, in a strict order even when written concurrently', async () => {
  const r = await verifyAuditChain(t.sql)
  expect(r.broken).toEqual([])
  expect(r.rows).toBeGreaterThanOrEqual(22)
  expect(r.chains).toBeGreaterThanOrEqual(2) // two networks signed in
  const seqs = await t.sql<{ chain: string; n: number; max: number }[]>`
    select coalesce(network_id::text, '-') as chain, count(*)::int as n, max(chain_seq)::int as max
      from audit_log group by 1`
  for (const s of seqs) expect(s.max).toBe(s.n)
  const cli = await verifyCli()
  expect(cli.code).toBe(0)
  expect(cli.out).toContain('audit chain intact')
})

it('a changed row is reported with its id; recomputing its hash breaks the next link instead', async () => {
  const [row] = await t.sql<{ id: string; after: unknown }[]>`
    select id::text, after from audit_log where action = 'test.parallel' order by chain_seq limit 1 offset 5`
  await tamper(() => t.sql`update audit_log set after = '{"i": 99}' where id = ${row!.id}`)
  let r = await verifyAuditChain(t.sql)
  expect(r.broken).toHaveLength(1)
  expect(r.broken[0]).toMatchObject({ id: row!.id, reason: 'content_changed' })
  const cli = await verifyCli()
  expect(cli.code).toBe(1)
  expect(cli.out).toContain(`row id ${row!.id}`)

  await tamper(
    () => t.sql`update audit_log a set hash = audit_row_hash(a.prev_hash, a) where id = ${row!.id}`,
  )
  r = await verifyAuditChain(t.sql)
  expect(r.broken[0]).toMatchObject({ reason: 'link_broken' })
  expect(Number(r.broken[0]!.id)).not.toBe(Number(row!.id))
})

it('a deleted row and a cut-off tail are reported', async () => {
  const fresh = await testEnv({ workers: false })
  try {
    await fresh.login('admin')
    await fresh.sql`insert into audit_log (network_id, action, entity)
                    select network_id, 'test.row', 'case' from users, generate_series(1, 4)
                     where username = 'admin'`
    expect((await verifyAuditChain(fresh.sql)).broken).toEqual([])
    const rows = await fresh.sql<{ id: string }[]>`select id::text from audit_log order by chain_seq`
    await fresh.sql`alter table audit_log disable trigger audit_log_no_update`
    await fresh.sql`delete from audit_log where id = ${rows.at(-1)!.id}`
    expect((await verifyAuditChain(fresh.sql)).broken[0]).toMatchObject({ reason: 'tail_missing' })
    await fresh.sql`delete from audit_log where id = ${rows[1]!.id}`
    await fresh.sql`alter table audit_log enable trigger audit_log_no_update`
    expect((await verifyAuditChain(fresh.sql)).broken[0]).toMatchObject({ reason: 'gap', id: rows[2]!.id })
  } finally {
    await fresh.close()
  }
})
