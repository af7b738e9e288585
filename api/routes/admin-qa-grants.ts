/**
 * `/api/admin/qa-grants`: province QA read access (docs/qa-api.md "Province"). The admin of a
 * network lists, grants and revokes the read access of QA users of other networks to this
 * network's aggregates (GET /api/province/metrics). Mounted behind requireRole('admin'); every
 * change is audited (workflows/runtime/admin/qa-grants.ts).
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { grantQaAccess, revokeQaAccess } from '../../workflows/runtime/admin/qa-grants.ts'
import { networkGrants } from '../../workflows/runtime/store/qa-grants.ts'
import type { AppEnv } from '../http/env.ts'
import { op, uuidParams, IsoTime, type Operation } from '../http/contract.ts'
import { idParam, Username } from '../http/params.ts'
import { readJson } from '../http/validate.ts'

/** The grantee by login name: what an admin is told by the person to be granted. */
const GrantBody = z.strictObject({ username: Username })

export const qaGrantRoutes = new Hono<AppEnv>()
  .get('/', async (c) => c.json({ grants: await networkGrants(c.var.deps.sql, c.var.ctx.networkId) }))
  .post('/', async (c) => {
    const { username } = await readJson(c, GrantBody)
    return c.json({ grant: await grantQaAccess(c.var.deps.sql, c.var.ctx, username) }, 201)
  })
  .delete('/:userId', async (c) => {
    const userId = idParam(c, 'userId')
    return c.json({ revoked: await revokeQaAccess(c.var.deps.sql, c.var.ctx, userId) })
  })

const QaGrant = z.object({
  userId: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  network: z.object({ name: z.string(), nameEn: z.string().nullable() }).describe("the grantee's network"),
  grantedAt: IsoTime,
  grantedBy: z.object({ id: z.uuid(), username: z.string(), displayName: z.string() }),
})
export const adminQaGrantsContract: Operation[] = [
  op({
    method: 'GET',
    path: '/api/admin/qa-grants',
    summary: "QA users of other networks granted this network's aggregates (province QA), newest first",
    roles: 'admin',
    response: z.object({ grants: z.array(QaGrant) }),
  }),
  op({
    method: 'POST',
    path: '/api/admin/qa-grants',
    summary:
      "Grant an active QA user of another network, by login name, read access to this network's aggregates",
    roles: 'admin',
    body: GrantBody,
    status: 201,
    response: z.object({ grant: QaGrant }),
  }),
  op({
    method: 'DELETE',
    path: '/api/admin/qa-grants/:userId',
    summary: 'Revoke a grant (none of this network to that user → 404, nothing written)',
    roles: 'admin',
    params: uuidParams('userId'),
    response: z.object({ revoked: QaGrant }),
  }),
]
