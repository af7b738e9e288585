import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type postgres from 'postgres'

export const MIGRATIONS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../migrations',
)
/** Any constant shared by every Xinlian process: two processes starting at once queue on it. */
const MIGRATION_LOCK = 7_410_002

export interface Migration {
  version: string
  file: string
  sql: string
}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((file) => ({ version: file.slice(0, 4), file, sql: fs.readFileSync(path.join(dir, file), 'utf8') }))
}

/**
 * Apply the numbered, forward-only migrations in order, each in its own transaction, recorded in
 * `schema_migrations`. Safe to run twice, and safe when several processes start together: each
 * transaction takes the same advisory lock before looking at what is applied.
 * @returns the versions applied by this call
 */
export async function migrate(sql: postgres.Sql, dir = MIGRATIONS_DIR): Promise<string[]> {
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK})`
    await tx`create table if not exists schema_migrations (
      version text primary key, file text not null, applied_at timestamptz not null default now())`
  })
  const applied: string[] = []
  for (const m of listMigrations(dir)) {
    const done = await sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK})`
      const [row] = await tx`select 1 from schema_migrations where version = ${m.version}`
      if (row) return false
      await tx.unsafe(m.sql)
      await tx`insert into schema_migrations (version, file) values (${m.version}, ${m.file})`
      return true
    })
    if (done) applied.push(m.version)
  }
  return applied
}
