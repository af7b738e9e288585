import { Hono } from 'hono'
import { stream } from 'hono/streaming'
import { z } from 'zod'
import { fold, REGISTRY_TIME_ZONE } from '../../workflows/core/index.ts'
import { canSeeCase } from '../../workflows/core/access.ts'
import { problem } from '../../workflows/core/problem.ts'
import { audit } from '../../workflows/runtime/store/audit.ts'
import { caseMetricsBatches } from '../../workflows/runtime/store/case-metrics.ts'
import { caseInfoOf, getCase, loadEvents } from '../../workflows/runtime/store/cases.ts'
import { derivedUuid } from '../../workflows/runtime/ids.ts'
import { fhirBundle } from '../../workflows/views/fhir-bundle.ts'
import { csvHeader, csvLine, exportFileName } from '../../workflows/views/registry-csv.ts'
import { requireRole, requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { op, uuidParams, type Operation } from '../http/contract.ts'
import { idParam } from '../http/params.ts'
import { readQuery } from '../http/validate.ts'
import { PeriodQuery, periodOf } from '../http/period.ts'

const BOM = '\uFEFF'
const ExportQuery = PeriodQuery.extend({ header: z.enum(['zh', 'en']).default('zh') })

/**
 * `GET /api/export/cases.csv` — the registry export: UTF-8 with BOM (Excel opens Chinese
 * correctly), CRLF, RFC 4180 quoting, one row per case, streamed from a cursor so a year of a
 * big network never sits in memory. QA and admin only; the export itself is audited.
 */
export const exportRoutes = new Hono<AppEnv>()
  .use(requireUser)
  .use(requireRole('qa', 'admin'))
  .get('/cases.csv', async (c) => {
    const q = readQuery(c, ExportQuery)
    const { from, to } = periodOf(q)
    const { sql, rt } = c.var.deps
    const ctx = c.var.ctx
    const network = await rt.networks.get(sql, ctx.networkId)
    const names = new Map(network.facilities.map((f) => [f.id, f.name]))
    const facilityName = (id: string) => names.get(id) ?? id
    await audit(sql, c.var.ctx, {
      action: 'export.cases_csv',
      entity: 'export',
      entityId: `${from.toISOString()}/${to.toISOString()}`,
    })
    c.header('Content-Type', 'text/csv; charset=utf-8')
    c.header(
      'Content-Disposition',
      `attachment; filename="${exportFileName(from, to, network.timeZone ?? REGISTRY_TIME_ZONE)}"`,
    )
    return stream(c, async (s) => {
      await s.write(BOM + csvHeader(q.header))
      const batches = caseMetricsBatches(sql, {
        networkId: ctx.networkId,
        from,
        to,
        facilityId: q.facilityId,
      })
      for await (const rows of batches) {
        await s.write(
          rows.map((r) => csvLine(r, facilityName, network.timeZone ?? REGISTRY_TIME_ZONE)).join(''),
        )
      }
    })
  })

/** `GET /api/cases/:id/fhir` — a FHIR R4 Bundle of the case, for anyone who may see the case. */
export const fhirRoutes = new Hono<AppEnv>().use(requireUser).get('/:id/fhir', async (c) => {
  const id = idParam(c)
  const { sql, rt } = c.var.deps
  const row = await getCase(sql, id)
  if (!row || !canSeeCase(c.var.ctx, row)) throw problem('not_found')
  const network = await rt.networks.get(sql, row.networkId)
  const state = fold(caseInfoOf(row), await loadEvents(sql, id), network)
  await audit(sql, c.var.ctx, { action: 'case.export_fhir', entity: 'case', entityId: id })
  c.header('Content-Type', 'application/fhir+json; charset=utf-8')
  return c.body(JSON.stringify(fhirBundle(row, state, network, derivedUuid)))
})

export const exportContract: Operation[] = [
  op({
    method: 'GET',
    path: '/api/export/cases.csv',
    summary: 'Registry export: one row per case, UTF-8 BOM, zh/en headers (docs/qa-api.md)',
    roles: 'qa, admin',
    query: ExportQuery,
    produces: 'text/csv',
  }),
  op({
    method: 'GET',
    path: '/api/cases/:id/fhir',
    summary: 'FHIR R4 Bundle (collection) of the case',
    roles: 'any (scoped)',
    params: uuidParams('id'),
    produces: 'application/fhir+json',
    producesSchema: z.looseObject({
      resourceType: z.literal('Bundle'),
      type: z.literal('collection'),
      entry: z.array(z.looseObject({ resource: z.looseObject({ resourceType: z.string() }) })),
    }),
  }),
]
