import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { z } from 'zod'
import { Uuid } from '../http/params.ts'
import { canSeeCase, isClinical } from '../../workflows/core/access.ts'
import {
  attachmentData,
  attachmentMeta,
  extensionOf,
  insertAttachment,
  MAX_ATTACHMENT_BYTES,
  sniffType,
} from '../../workflows/runtime/attachments.ts'
import { audit } from '../../workflows/runtime/store/audit.ts'
import { getCase } from '../../workflows/runtime/store/cases.ts'
import { requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { op, uuidParams, type Operation } from '../http/contract.ts'
import { forbidden, notFound, problem } from '../http/errors.ts'

const tooLarge = () => problem('too_large', 'file', { maxBytes: MAX_ATTACHMENT_BYTES })

// Multipart framing (boundaries, part headers) on top of the file itself.
const MULTIPART_OVERHEAD = 64 * 1024

/**
 * ECG attachments. `POST /api/cases/:id/attachments` (multipart, field `file`) →
 * 201 {id, contentType, size, sha256}; `GET /api/attachments/:id` → the file, to people who may
 * see the case (404 otherwise), every read audited.
 */
export const attachmentRoutes = new Hono<AppEnv>()
  .post(
    '/cases/:id/attachments',
    requireUser,
    bodyLimit({
      maxSize: MAX_ATTACHMENT_BYTES + MULTIPART_OVERHEAD,
      onError: () => {
        throw tooLarge()
      },
    }),
    async (c) => {
      const user = c.var.user
      const caseId = c.req.param('id')
      if (!Uuid.safeParse(caseId).success) throw notFound('case')
      const { sql } = c.var.deps
      const row = await getCase(sql, caseId)
      if (!row || !canSeeCase(user, row)) throw notFound('case')
      if (!isClinical(user)) throw forbidden()
      if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('multipart/form-data'))
        throw problem('bad_multipart', 'file', { detail: 'send multipart/form-data with a field "file"' })
      let form: FormData
      try {
        form = await c.req.raw.formData()
      } catch {
        throw problem('bad_multipart', 'file')
      }
      const file = form.get('file')
      if (!(file instanceof File)) throw problem('invalid', 'file', { detail: 'required' })
      if (file.size > MAX_ATTACHMENT_BYTES) throw tooLarge()
      if (file.size === 0) throw problem('invalid', 'file', { detail: 'empty' })
      const data = new Uint8Array(await file.arrayBuffer())
      const contentType = sniffType(data)
      if (!contentType) throw problem('unsupported_type', 'file')
      const meta = await insertAttachment(sql, {
        caseId,
        networkId: row.networkId,
        contentType,
        data,
        uploadedBy: user.id,
      })
      return c.json({ id: meta.id, contentType: meta.contentType, size: meta.size, sha256: meta.sha256 }, 201)
    },
  )
  .get('/attachments/:id', requireUser, async (c) => {
    const user = c.var.user
    const id = c.req.param('id')
    if (!Uuid.safeParse(id).success) throw notFound('attachment')
    const { sql } = c.var.deps
    const meta = await attachmentMeta(sql, id)
    const row = meta ? await getCase(sql, meta.caseId) : undefined
    if (!meta || !row || !canSeeCase(user, row)) throw notFound('attachment')
    const data = await attachmentData(sql, id)
    if (!data) throw notFound('attachment')
    await audit(sql, c.var.ctx, { action: 'ecg.view', entity: 'attachment', entityId: id })
    return c.body(new Uint8Array(data), 200, {
      'Content-Type': meta.contentType,
      'Content-Length': String(meta.size),
      // Patient data: never in a shared cache; revalidate so every view is audited.
      'Cache-Control': 'private, no-cache',
      // Shown in the case screen's <img>; opened on its own it is a sandboxed document that can
      // run nothing and reach nothing (a crafted file must not become a page of our origin).
      'Content-Disposition': `inline; filename="ecg-${id}.${extensionOf(meta.contentType)}"`,
      'Content-Security-Policy': "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
      ETag: `"${meta.sha256}"`,
    })
  })

export const attachmentsContract: Operation[] = [
  op({
    method: 'POST',
    path: '/api/cases/:id/attachments',
    summary: 'Upload an ECG (JPEG/PNG/HEIC/PDF by content, ≤ 15 MB)',
    roles: 'clinical roles (scoped)',
    params: uuidParams('id'),
    bodyContent: {
      type: 'multipart/form-data',
      schema: z.object({ file: z.string().meta({ format: 'binary' }) }),
    },
    status: 201,
    response: z.object({
      id: z.uuid(),
      contentType: z.enum(['image/jpeg', 'image/png', 'image/heic', 'application/pdf']),
      size: z.number().int(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  }),
  op({
    method: 'GET',
    path: '/api/attachments/:id',
    summary: 'The ECG file (audited as ecg.view); its content type is the stored one',
    roles: 'any (scoped)',
    params: uuidParams('id'),
    produces: ['image/jpeg', 'image/png', 'image/heic', 'application/pdf'],
  }),
]
