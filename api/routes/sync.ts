/**
 * `POST /api/sync` — the offline outbox's queue in one request (pwa/src/outbox.ts). On a slow
 * link (an ambulance bay, 400 ms round trips) one POST per queued time point costs a round trip
 * each; here up to `SYNC_MAX_ITEMS` queued submissions, across cases, travel together.
 *
 * Each item is exactly what the single routes take — `{kind:'case', body}` is the body of
 * `POST /api/cases` (with its client UUID), `{kind:'event', caseId, body}` the body of
 * `POST /api/cases/:id/events` — and is stored through the same runtime functions (`createCase`,
 * `recordEvent`) with the same validation, the same access check per case, the same clinical
 * guards and the same idempotency by client UUID, one transaction per item, in the order sent.
 *
 * Semantics (docs/offline-sync.md):
 * - Every item gets its own result: `stored` (201), `duplicate` (200: already stored with this
 *   id and body — a retried batch after a lost answer stores nothing twice), `refused` (the
 *   status and the one problem shape the single route would answer, its field prefixed
 *   `items.<i>.body.` or `items.<i>`), `failed` (500: an unexpected error, retried later) or
 *   `held`.
 * - A refused item does not stop the others, not even later items of the same case: each is
 *   judged by the clinical guards against what the server really holds, exactly as the single
 *   POSTs one after another would be. The physician's later time points (door, needle,
 *   departure) are facts the county needs now; one that depended on the refused item is refused
 *   with its own reason.
 * - Order within a case holds: when an item fails for a reason that is not a refusal (an
 *   unexpected server error), the case's later items in the batch are `held` — not attempted,
 *   sent again later after it — and other cases go on. The database going away answers the
 *   whole request 503 (what was stored stays stored; the retry answers `duplicate` for it).
 * - Whole-request errors change nothing: not signed in 401, not a clinical role 403, no
 *   `items` array, empty or longer than `SYNC_MAX_ITEMS` 422 naming `items`.
 */
import { Hono } from 'hono'
import { routePath } from 'hono/route'
import { z } from 'zod'
import { problemOf, ProblemError, type Problem } from '../../workflows/core/problem.ts'
import { isDatabaseUnavailable } from '../../workflows/runtime/platform/connect.ts'
import { log } from '../../workflows/runtime/platform/log.ts'
import { isClinical } from '../../workflows/core/access.ts'
import { requireUser } from '../http/auth.ts'
import { recordEventAs, startCaseAs, type Writer } from '../http/case-writes.ts'
import type { AppEnv } from '../http/env.ts'
import { op, ProblemBody, type Operation } from '../http/contract.ts'
import { forbidden, fromZod } from '../http/errors.ts'
import { errorName, problemBody } from '../http/problem-response.ts'
import { readJson } from '../http/validate.ts'
import { EventBody, NewCaseBody } from './cases.ts'

/** Items per request: 200 time points are far more than a shift's dead zone queues. */
export const SYNC_MAX_ITEMS = 200

/** The case start as the outbox queues it: always with its client UUID (the idempotency key). */
const CaseStartBody = NewCaseBody.extend({ id: z.uuid() })

const ItemHead = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('case'), body: z.record(z.string(), z.unknown()) }),
  z.strictObject({
    kind: z.literal('event'),
    caseId: z.uuid(),
    body: z.record(z.string(), z.unknown()),
  }),
])

/** What the handler validates first; each item is then checked on its own (a bad one is refused alone). */
const SyncEnvelope = z.strictObject({ items: z.array(z.unknown()).min(1).max(SYNC_MAX_ITEMS) })

/** The documented body (api/openapi.ts): the same envelope with its items spelled out. */
const SyncBody = z.strictObject({
  items: z
    .array(
      z.discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('case'), body: CaseStartBody }),
        z.strictObject({ kind: z.literal('event'), caseId: z.uuid(), body: EventBody }),
      ]),
    )
    .min(1)
    .max(SYNC_MAX_ITEMS)
    .describe('in the order recorded; order matters within a case'),
})

const Outcome = z.enum(['stored', 'duplicate', 'refused', 'failed', 'held'])
const ItemResult = z.object({
  index: z.number().int(),
  kind: z.enum(['case', 'event']).nullable(),
  id: z.string().nullable(),
  caseId: z.string().nullable(),
  outcome: Outcome,
  /** The status the single route would have answered for this item (none when held). */
  status: z.number().int().nullable(),
  error: ProblemBody.shape.error.optional(),
})
type ItemResult = z.infer<typeof ItemResult>

type Who = Writer

/** `POST /api/cases` for one item: the same checks, through the same function. */
async function startCase(w: Who, raw: Record<string, unknown>): Promise<200 | 201> {
  const parsed = CaseStartBody.safeParse(raw)
  if (!parsed.success) throw fromZod(parsed.error)
  return (await startCaseAs(w, parsed.data)).status
}

/** `POST /api/cases/:id/events` for one item: the same checks, through the same function. */
async function addEvent(w: Who, caseId: string, raw: Record<string, unknown>): Promise<200 | 201> {
  return (await recordEventAs(w, caseId, raw)).status
}

/** The problem of item `i`, its field named from the request's root (`items.3.body.dose`). */
function refusedAt(i: number, p: Problem, prefix: string): ItemResult['error'] {
  const field = p.field === undefined ? `items.${i}` : `items.${i}.${prefix}${p.field}`
  return problemBody({ ...p, field }).error
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v.slice(0, 100) : null)

export const syncRoutes = new Hono<AppEnv>().use(requireUser).post('/', async (c) => {
  const user = c.var.user
  // QA and admin accounts read; they never record clinical events (as the single routes).
  if (!isClinical(user)) throw forbidden()
  const { items } = await readJson(c, SyncEnvelope)
  const w: Who = { user, ctx: c.var.ctx, deps: c.var.deps }
  const results: ItemResult[] = []
  // Cases whose earlier item failed unexpectedly: their later items wait (order per case).
  const held = new Set<string>()
  for (const [i, raw] of items.entries()) {
    const rawObj = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {}
    const rawBody =
      typeof rawObj.body === 'object' && rawObj.body !== null ? (rawObj.body as Record<string, unknown>) : {}
    const base: Pick<ItemResult, 'index' | 'kind' | 'id' | 'caseId'> = {
      index: i,
      kind: rawObj.kind === 'case' || rawObj.kind === 'event' ? rawObj.kind : null,
      id: str(rawBody.id),
      caseId: rawObj.kind === 'case' ? str(rawBody.id) : str(rawObj.caseId),
    }
    const head = ItemHead.safeParse(raw)
    if (!head.success) {
      const p = fromZod(head.error).problem
      results.push({ ...base, outcome: 'refused', status: p.status, error: refusedAt(i, p, '') })
      continue
    }
    const item = head.data
    const caseId = item.kind === 'case' ? base.caseId : item.caseId
    if (caseId !== null && held.has(caseId)) {
      results.push({ ...base, outcome: 'held', status: null })
      continue
    }
    try {
      const status =
        item.kind === 'case' ? await startCase(w, item.body) : await addEvent(w, item.caseId, item.body)
      results.push({ ...base, outcome: status === 201 ? 'stored' : 'duplicate', status })
    } catch (err) {
      if (err instanceof ProblemError) {
        const p = err.problem
        results.push({ ...base, outcome: 'refused', status: p.status, error: refusedAt(i, p, 'body.') })
        continue
      }
      // Answered 503 as a whole (app.ts onError): stored items stay stored, the retry skips them.
      if (isDatabaseUnavailable(err)) throw err
      // Unexpected: logged without the body (no patient data), answered for this item only.
      log.error('sync item failed', {
        requestId: c.var.requestId,
        path: routePath(c),
        index: i,
        error: errorName(err),
      })
      const p = problemOf('internal', undefined, { requestId: c.var.requestId })
      results.push({ ...base, outcome: 'failed', status: p.status, error: problemBody(p).error })
      if (caseId !== null) held.add(caseId)
    }
  }
  return c.json({ results })
})

export const syncContract: Operation[] = [
  op({
    method: 'POST',
    path: '/api/sync',
    summary:
      'The offline queue in one request: up to 200 case starts and events, in order, each as its single route; a result per item',
    roles: 'clinical roles (each item as its single route)',
    body: SyncBody,
    response: z.object({ results: z.array(ItemResult) }),
  }),
]
