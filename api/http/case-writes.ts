/**
 * The two clinical writes behind both ways a tablet sends them: one request each
 * (`POST /api/cases`, `POST /api/cases/:id/events`, api/routes/cases.ts) and the offline queue's
 * batch (`POST /api/sync`, api/routes/sync.ts). One copy of the edge checks, so a batch item is
 * judged exactly as the single request would be.
 */
import { parseEventInput } from '../../workflows/core/index.ts'
import { canSeeCase, isNetworkWide } from '../../workflows/core/access.ts'
import { createCase, recordEvent } from '../../workflows/runtime/apply-event.ts'
import { assertAttachmentOfCase } from '../../workflows/runtime/attachments.ts'
import { actorOf, type RequestCtx } from '../../workflows/runtime/context.ts'
import type { UserRow } from '../../workflows/runtime/store/users.ts'
import type { Deps } from './env.ts'
import { problem } from './errors.ts'

export interface Writer {
  user: UserRow
  ctx: RequestCtx
  deps: Deps
}

export interface CaseStart {
  id: string
  facilityId: string
  patient: Parameters<typeof createCase>[2]['patient']
  firstMedicalContactAt: string
  arrivalMode: Parameters<typeof createCase>[2]['arrivalMode']
  symptomOnsetAt?: string | undefined
  symptomOnsetApproximate?: boolean | undefined
}

/** A case start at one of the caller's facilities (the body already validated). */
export async function startCaseAs(w: Writer, body: CaseStart) {
  const network = await w.deps.rt.networks.get(w.deps.sql, w.user.networkId)
  if (!network.facilities.some((f) => f.id === body.facilityId)) {
    throw problem('invalid', 'facilityId', { detail: 'not a facility of your network' })
  }
  if (!isNetworkWide(w.user) && !w.user.facilityIds.includes(body.facilityId)) {
    throw problem('forbidden', 'facilityId')
  }
  return createCase(w.deps.rt, actorOf(w.ctx), {
    id: body.id,
    facilityId: body.facilityId,
    patient: body.patient,
    firstMedicalContactAt: Date.parse(body.firstMedicalContactAt),
    arrivalMode: body.arrivalMode,
    symptomOnsetAt: body.symptomOnsetAt ? Date.parse(body.symptomOnsetAt) : undefined,
    symptomOnsetApproximate: body.symptomOnsetApproximate,
  })
}

/** An event on a case the caller may see: parsed, its attachment checked, then recorded. */
export async function recordEventAs(w: Writer, caseId: string, raw: unknown) {
  const parsed = parseEventInput(raw)
  if (!parsed.ok) throw problem('invalid', parsed.field, { detail: parsed.message })
  await assertAttachmentOfCase(w.deps.sql, caseId, parsed.value.data)
  return recordEvent(w.deps.rt, actorOf(w.ctx), caseId, parsed.value, (row) => canSeeCase(w.user, row))
}
