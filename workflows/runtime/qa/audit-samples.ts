/**
 * Audit samples (docs/qa-api.md): draw a reproducible sample of a month's cases per facility, record
 * the paper values a QA nurse re-abstracts, and compare them with the system's.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { agrees, differenceMinutes, disagreementRate, DISAGREEMENT_MINUTES } from '../../core/abstraction.ts'
import { problem } from '../../core/problem.ts'
import type { AuditCtx } from '../context.ts'
import type { Sql } from '../platform/connect.ts'
import { audit } from '../store/audit.ts'
import {
  auditSampleOf,
  drawSample,
  isSampleMember,
  previousPaperValue,
  sampleAbstractions,
  sampleCases,
  systemValue,
  upsertAbstraction,
} from '../store/qa.ts'

/** Draw `perFacility` cases of `month` (YYYY-MM) per facility; the seed makes it reproducible. */
export async function drawAuditSample(
  sql: Sql,
  ctx: AuditCtx,
  s: { month: string; perFacility: number; seed?: string | undefined },
) {
  const id = randomUUID()
  const seed = s.seed ?? randomBytes(8).toString('hex')
  const n = await sql.begin((tx) =>
    drawSample(tx, {
      id,
      networkId: ctx.networkId,
      month: `${s.month}-01`,
      perFacility: s.perFacility,
      seed,
      by: ctx.userId,
    }),
  )
  return { id, month: s.month, perFacility: s.perFacility, seed, cases: n }
}

/** Record (or correct: audited with before/after) the paper value of one time point of a sampled case. */
export async function recordAbstraction(
  sql: Sql,
  ctx: AuditCtx,
  sampleId: string,
  a: { caseId: string; timePoint: string; paperValue: string | null },
) {
  if (!(await isSampleMember(sql, ctx.networkId, sampleId, a.caseId))) throw problem('not_found', 'caseId')
  const system = await systemValue(sql, a.caseId, a.timePoint)
  const paper = a.paperValue === null ? null : new Date(a.paperValue)
  await sql.begin(async (tx) => {
    const old = await previousPaperValue(tx, sampleId, a.caseId, a.timePoint)
    await upsertAbstraction(tx, {
      sampleId,
      caseId: a.caseId,
      timePoint: a.timePoint,
      paper,
      system,
      by: ctx.userId,
    })
    if (old)
      await audit(tx, ctx, {
        action: 'audit.abstraction.update',
        entity: 'audit_sample',
        entityId: sampleId,
        before: { caseId: a.caseId, timePoint: a.timePoint, paperValue: old.paperValue },
        after: { caseId: a.caseId, timePoint: a.timePoint, paperValue: a.paperValue },
      })
  })
  return {
    caseId: a.caseId,
    timePoint: a.timePoint,
    paperValue: paper?.toISOString() ?? null,
    systemValue: system?.toISOString() ?? null,
    agrees: agrees(system, paper),
  }
}

/** The sample, its cases and every abstraction with its verdict. */
export async function auditSample(sql: Sql, networkId: string, sampleId: string) {
  const sample = await auditSampleOf(sql, networkId, sampleId)
  if (!sample) throw problem('not_found')
  const [cases, abstractions] = await Promise.all([
    sampleCases(sql, sampleId),
    sampleAbstractions(sql, sampleId),
  ])
  const checked = abstractions.map((a) => ({
    caseId: a.caseId,
    timePoint: a.timePoint,
    paperValue: a.paperValue?.toISOString() ?? null,
    systemValue: a.systemValue?.toISOString() ?? null,
    differenceMinutes: differenceMinutes(a.systemValue, a.paperValue),
    agrees: agrees(a.systemValue, a.paperValue),
  }))
  const disagreements = checked.filter((a) => !a.agrees).length
  return {
    ...sample,
    createdAt: sample.createdAt.toISOString(),
    toleranceMinutes: DISAGREEMENT_MINUTES,
    cases,
    abstractions: checked,
    compared: checked.length,
    disagreements,
    disagreementRate: disagreementRate(disagreements, checked.length),
  }
}
