/**
 * ECG attachments: a photo of the tracing (JPEG, PNG, HEIC from iPhones) or a PDF from the ECG
 * machine. Stored as bytea in PostgreSQL (see migrations/0004_push.sql for why not files).
 * The type is read from the magic bytes, never trusted from the browser.
 */
import { createHash } from 'node:crypto'
import { problem } from '../core/problem.ts'
import type { Q } from './platform/connect.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

// A phone photo of a 12-lead ECG is 2–6 MB; a multi-page PDF from the machine well under 15 MB.
export const MAX_ATTACHMENT_BYTES = 15 * 1024 * 1024

export type AttachmentType = 'image/jpeg' | 'image/png' | 'image/heic' | 'image/heif' | 'application/pdf'

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis'])
const HEIF_BRANDS = new Set(['mif1', 'msf1'])

/** The content type by signature, or null when it is none of the accepted ones. */
export function sniffType(b: Uint8Array): AttachmentType | null {
  const at = (i: number, bytes: number[]) => bytes.every((x, k) => b[i + k] === x)
  if (at(0, [0xff, 0xd8, 0xff])) return 'image/jpeg'
  if (at(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png'
  if (at(0, [0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf' // %PDF-
  // ISO-BMFF: size(4) 'ftyp' major-brand(4)
  if (b.length >= 12 && at(4, [0x66, 0x74, 0x79, 0x70])) {
    const brand = String.fromCharCode(...b.subarray(8, 12))
    if (HEIC_BRANDS.has(brand)) return 'image/heic'
    if (HEIF_BRANDS.has(brand)) return 'image/heif'
  }
  return null
}

export const extensionOf = (t: AttachmentType) =>
  ({
    'image/jpeg': 'jpg',
    'image/png': 'png',
    'image/heic': 'heic',
    'image/heif': 'heif',
    'application/pdf': 'pdf',
  })[t]

export interface AttachmentMeta {
  id: string
  caseId: string
  networkId: string
  contentType: AttachmentType
  size: number
  sha256: string
  createdAt: Date
}

export async function insertAttachment(
  q: Q,
  a: { caseId: string; networkId: string; contentType: AttachmentType; data: Uint8Array; uploadedBy: string },
): Promise<AttachmentMeta> {
  const sha256 = createHash('sha256').update(a.data).digest('hex')
  const [row] = await q<AttachmentMeta[]>`
    insert into attachments (case_id, network_id, content_type, size, sha256, data, uploaded_by)
    values (${a.caseId}, ${a.networkId}, ${a.contentType}, ${a.data.byteLength}, ${sha256},
            ${Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength)}, ${a.uploadedBy})
    returning id, case_id as "caseId", network_id as "networkId", content_type as "contentType", size, sha256,
              created_at as "createdAt"`
  return row!
}

export async function attachmentMeta(q: Q, id: string): Promise<AttachmentMeta | undefined> {
  const [row] = await q<AttachmentMeta[]>`
    select id, case_id as "caseId", network_id as "networkId", content_type as "contentType", size, sha256,
           created_at as "createdAt"
      from attachments where id = ${id}`
  return row
}

export async function attachmentData(q: Q, id: string): Promise<Buffer | undefined> {
  const [row] = await q<{ data: Buffer }[]>`select data from attachments where id = ${id}`
  return row?.data
}

/**
 * `ecg_transmitted` / `ecg_acquired` may name an uploaded ECG: it must be one of this case's
 * (a consult must never show another patient's tracing). Called before recording the event.
 */
export async function assertAttachmentOfCase(
  q: Q,
  caseId: string,
  data: Record<string, unknown>,
): Promise<void> {
  const id = data.attachmentId
  if (id === undefined) return
  const meta = typeof id === 'string' && UUID.test(id) ? await attachmentMeta(q, id) : undefined
  if (!meta || meta.caseId !== caseId) throw problem('attachment_not_of_case', 'attachmentId')
}
