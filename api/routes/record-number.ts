/**
 * `GET|PUT /api/cases/:id/record-number`: the hospital's record number (病案号/门诊号) and its
 * audited changes (workflows/runtime/record-number.ts says why it is an audited update and not a
 * case event). Editing: the case's facilities' clinicians and QA of the network.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { canSeeCase } from '../../workflows/core/access.ts'
import {
  mayEditRecordNumber,
  recordNumberHistory,
  setRecordNumber,
} from '../../workflows/runtime/record-number.ts'
import { getCase } from '../../workflows/runtime/store/cases.ts'
import { publish } from '../../workflows/runtime/live.ts'
import { requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { forbidden, notFound } from '../http/errors.ts'
import { idParam } from '../http/params.ts'
import { readJson } from '../http/validate.ts'
import { IsoTime, op, uuidParams, type Operation } from '../http/contract.ts'

const PutRecordNumber = z.strictObject({
  /** null clears it (a number entered on the wrong case). */
  recordNumber: z.string().trim().min(1).max(40).nullable(),
})

export const recordNumberRoutes = new Hono<AppEnv>()
  .use(requireUser)
  .get('/:id/record-number', async (c) => {
    const id = idParam(c)
    const { sql } = c.var.deps
    const row = await getCase(sql, id)
    if (!row || !canSeeCase(c.var.user, row)) throw notFound('case')
    return c.json({
      recordNumber: row.patient.recordNumber ?? null,
      canEdit: mayEditRecordNumber(c.var.user, row),
      history: await recordNumberHistory(sql, id),
    })
  })
  .put('/:id/record-number', async (c) => {
    const id = idParam(c)
    const { sql } = c.var.deps
    const row = await getCase(sql, id)
    if (!row || !canSeeCase(c.var.user, row)) throw notFound('case')
    if (!mayEditRecordNumber(c.var.user, row)) throw forbidden()
    const body = await readJson(c, PutRecordNumber)
    const r = await setRecordNumber(sql, c.var.ctx, id, body.recordNumber)
    // Screens showing the case re-read it (ids only on the stream, never the number).
    if (r.changed)
      await publish(sql, {
        kind: 'case',
        caseId: id,
        networkId: row.networkId,
        facilityIds: row.facilityIds,
        eventId: '',
        type: 'record_number',
      })
    return c.json({
      recordNumber: r.recordNumber,
      canEdit: true,
      history: await recordNumberHistory(sql, id),
    })
  })

const RecordNumberAnswer = z.object({
  recordNumber: z.string().nullable(),
  canEdit: z.boolean(),
  history: z.array(
    z.object({
      at: IsoTime,
      byName: z.string().nullable(),
      old: z.string().nullable(),
      new: z.string().nullable(),
    }),
  ),
})

export const recordNumberContract: Operation[] = [
  op({
    method: 'GET',
    path: '/api/cases/:id/record-number',
    summary: 'The record number (病案号/门诊号) and its audited changes',
    roles: 'anyone who can see the case',
    params: uuidParams('id'),
    response: RecordNumberAnswer,
  }),
  op({
    method: 'PUT',
    path: '/api/cases/:id/record-number',
    summary: 'Set or clear the record number (audited, old and new value)',
    roles: "the case's facilities' clinicians, QA of the network",
    params: uuidParams('id'),
    body: PutRecordNumber,
    response: RecordNumberAnswer,
  }),
]
