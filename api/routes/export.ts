import { Hono } from 'hono'
import { stream } from 'hono/streaming'
import { z } from 'zod'
import { fold } from '../../workflows/core/index.ts'
import { canSeeCase } from '../../workflows/runtime/access.ts'
import { fhirBundle } from '../../workflows/runtime/fhir-bundle.ts'
import { csvHeader, csvLine, exportFileName } from '../../workflows/runtime/registry-csv.ts'
import { networkRow } from '../../workflows/runtime/store/admin.ts'
import { recordAccess } from '../../workflows/runtime/store/audit.ts'
import { caseInfoOf, getCase, loadEvents } from '../../workflows/runtime/store/cases.ts'
import { requireRole, requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { notFound } from '../http/errors.ts'
import { readQuery } from '../http/validate.ts'
import { PeriodQuery, periodOf } from './metrics.ts'

const BOM = '\uFEFF'
const deviceOf = (ua: string | undefined) => ua?.slice(0, 200) ?? null

/**
 * `GET /api/export/cases.csv` — the registry export: UTF-8 with BOM (Excel opens Chinese
 * correctly), CRLF, RFC 4180 quoting, one row per case, streamed from a cursor so a year of a
 * big network never sits in memory. QA and admin only; the export itself is audited.
 */
export const exportRoutes = new Hono<AppEnv>()
  .use(requireUser)
  .use(requireRole('qa', 'admin'))
  .get('/cases.csv', async (c) => {
    const q = readQuery(c, PeriodQuery.extend({ header: z.enum(['zh', 'en']).default('zh') }))
    const { from, to } = periodOf(q)
    const { sql, rt } = c.var.deps
    const user = c.var.user
    const [network, row] = await Promise.all([
      rt.networks.get(sql, user.networkId),
      networkRow(sql, user.networkId),
    ])
    const names = new Map(network.facilities.map((f) => [f.id, f.name]))
    const facilityName = (id: string) => names.get(id) ?? id
    await recordAccess(sql, {
      user,
      action: 'export.cases_csv',
      entity: 'export',
      entityId: `${from.toISOString()}/${to.toISOString()}`,
      device: deviceOf(c.req.header('user-agent')),
    })
    c.header('Content-Type', 'text/csv; charset=utf-8')
    c.header(
      'Content-Disposition',
      `attachment; filename="${exportFileName(from, to, row?.settings.timezone ?? 'Asia/Shanghai')}"`,
    )
    return stream(c, async (s) => {
      await s.write(BOM + csvHeader(q.header))
      const cursor = sql`
        select *, month::text as month from case_metrics
         where network_id = ${user.networkId} and ref_at >= ${from} and ref_at < ${to}
           ${q.facilityId ? sql`and facility_id = ${q.facilityId}` : sql``}
         order by ref_at, case_id`.cursor(500)
      for await (const rows of cursor) {
        await s.write(rows.map((r) => csvLine(r, facilityName)).join(''))
      }
    })
  })

/** `GET /api/cases/:id/fhir` — a FHIR R4 Bundle of the case, for anyone who may see the case. */
export const fhirRoutes = new Hono<AppEnv>().use(requireUser).get('/:id/fhir', async (c) => {
  const id = c.req.param('id')
  if (!z.uuid().safeParse(id).success) throw notFound('case')
  const { sql, rt } = c.var.deps
  const row = await getCase(sql, id)
  if (!row || !canSeeCase(c.var.user, row)) throw notFound('case')
  const network = await rt.networks.get(sql, row.networkId)
  const state = fold(caseInfoOf(row), await loadEvents(sql, id), network)
  await recordAccess(sql, {
    user: c.var.user,
    action: 'case.export_fhir',
    entity: 'case',
    entityId: id,
    device: deviceOf(c.req.header('user-agent')),
  })
  c.header('Content-Type', 'application/fhir+json; charset=utf-8')
  return c.body(JSON.stringify(fhirBundle(row, state, network)))
})
