import { z } from 'zod'
/**
 * `POST /api/admin/import?dryRun=1|0`: load facilities, travel times and users from spreadsheet
 * CSV exports (UTF-8, BOM tolerated) — format in docs/admin-api.md. The rules live in
 * workflows/core/admin-import.ts, the command in workflows/runtime/admin/import.ts.
 */
import { Hono, type Context } from 'hono'
import { FILES, type FileName } from '../../workflows/core/admin-import.ts'
import { problem } from '../../workflows/core/problem.ts'
import { parseImportFiles, runImport } from '../../workflows/runtime/admin/import.ts'
import type { AppEnv } from '../http/env.ts'
import { op, type Operation } from '../http/contract.ts'

async function readFiles(c: Context<AppEnv>): Promise<Partial<Record<FileName, string>>> {
  const type = c.req.header('content-type') ?? ''
  const out: Partial<Record<FileName, string>> = {}
  if (type.startsWith('multipart/form-data') || type.startsWith('application/x-www-form-urlencoded')) {
    const form = await c.req.formData()
    for (const name of FILES) {
      const v = form.get(name)
      if (v !== null) out[name] = typeof v === 'string' ? v : await v.text()
    }
  } else {
    let body: unknown
    try {
      body = await c.req.json()
    } catch {
      throw problem('import_bad_body')
    }
    for (const name of FILES) {
      const v = (body as Record<string, unknown> | null)?.[name]
      if (v === undefined || v === null) continue
      if (typeof v !== 'string') throw problem('csv_not_text', name, { file: name })
      out[name] = v
    }
  }
  if (Object.keys(out).length === 0) throw problem('import_empty', 'facilities')
  return out
}

export const importRoutes = new Hono<AppEnv>().post('/', async (c) => {
  const dryRunParam = c.req.query('dryRun') ?? '1'
  if (!['0', '1', 'true', 'false'].includes(dryRunParam)) throw problem('invalid', 'dryRun')
  const dryRun = dryRunParam === '1' || dryRunParam === 'true'
  const csv = parseImportFiles(await readFiles(c))
  const out = await runImport(c.var.deps.sql, c.var.ctx, csv, dryRun)
  return c.json(out.body, out.status)
})

const ImportFiles = z.object(Object.fromEntries(FILES.map((f) => [f, z.string().optional()])))
export const adminImportContract: Operation[] = [
  op({
    method: 'POST',
    path: '/api/admin/import',
    summary:
      'Import facilities, travel times and users from CSV (JSON {file: text} or multipart); dryRun=1 (default) reports only',
    roles: 'admin',
    query: z.object({ dryRun: z.enum(['0', '1', 'true', 'false']).default('1') }),
    body: ImportFiles,
    response: z.looseObject({}),
  }),
]
