/** `/api/admin/users`: people, roles, facility scope, deactivation, one-time codes. */
import { Hono } from 'hono'
import { z } from 'zod'
import { ROLES } from '../../workflows/core/index.ts'
import {
  createUser,
  deactivateUser,
  oneUser,
  reactivateUser,
  resetPassword,
  updateUser,
} from '../../workflows/runtime/admin/users.ts'
import { adminUsers } from '../../workflows/runtime/store/admin-users.ts'
import type { AppEnv } from '../http/env.ts'
import { op, uuidParams, IsoTime, type Operation } from '../http/contract.ts'
import { Force, idParam, readOptionalJson, Username, Uuid } from '../http/params.ts'
import { readJson } from '../http/validate.ts'

const Roles = z.array(z.enum(ROLES)).min(1).max(ROLES.length)
const FacilityIds = z.array(Uuid).max(50)
// Alert contacts (docs/alert-channels.md): an 11-digit mainland mobile or its +86 E.164 form.
const Mobile = z
  .string()
  .trim()
  .regex(/^(\+86)?1[3-9][0-9]{9}$/, '11-digit mainland mobile or +86…')
const WecomUserId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'WeCom user id')
const Contact = {
  mobile: Mobile.nullable().optional(),
  mobileVerified: z.boolean().optional(),
  wecomUserId: WecomUserId.nullable().optional(),
}
const CreateUser = z.strictObject({
  username: Username,
  displayName: z.string().trim().min(1).max(100),
  roles: Roles,
  facilityIds: FacilityIds.optional(),
  ...Contact,
})
const PatchUser = z.strictObject({
  displayName: z.string().trim().min(1).max(100).optional(),
  roles: Roles.optional(),
  facilityIds: FacilityIds.optional(),
  force: Force,
  ...Contact,
})
const ForceBody = z.strictObject({ force: Force })

export const userRoutes = new Hono<AppEnv>()
  .get('/', async (c) => c.json({ users: await adminUsers(c.var.deps.sql, c.var.ctx.networkId) }))
  .get('/:id', async (c) => c.json({ user: await oneUser(c.var.deps.sql, c.var.ctx.networkId, idParam(c)) }))
  .post('/', async (c) => {
    const body = await readJson(c, CreateUser)
    const made = await createUser(c.var.deps.sql, c.var.ctx, { ...body, facilityIds: body.facilityIds ?? [] })
    return c.json(made, 201)
  })
  .patch('/:id', async (c) => {
    const id = idParam(c)
    const body = await readJson(c, PatchUser)
    return c.json({ user: await updateUser(c.var.deps.sql, c.var.ctx, id, body) })
  })
  .post('/:id/deactivate', async (c) => {
    const id = idParam(c)
    const body = await readOptionalJson(c, ForceBody)
    return c.json(await deactivateUser(c.var.deps.sql, c.var.ctx, id, body.force))
  })
  .post('/:id/reactivate', async (c) =>
    c.json({ user: await reactivateUser(c.var.deps.sql, c.var.ctx, idParam(c)) }),
  )
  .post('/:id/reset-password', async (c) =>
    c.json(await resetPassword(c.var.deps.sql, c.var.ctx, idParam(c))),
  )

const AdminUser = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  active: z.boolean(),
  roles: z.array(z.enum(ROLES)),
  facilityIds: z.array(z.uuid()),
  createdAt: IsoTime,
  sessions: z.number().int(),
  pushSubscriptions: z.number().int(),
  mobile: z.string().nullable(),
  mobileVerified: z.boolean(),
  wecomUserId: z.string().nullable(),
})
const UserAnswer = z.object({ user: AdminUser })
const userParam = uuidParams('id')
export const adminUsersContract: Operation[] = [
  op({
    method: 'GET',
    path: '/api/admin/users',
    summary: 'Users of the network',
    roles: 'admin',
    response: z.object({ users: z.array(AdminUser) }),
  }),
  op({
    method: 'GET',
    path: '/api/admin/users/:id',
    summary: 'One user',
    roles: 'admin',
    params: userParam,
    response: UserAnswer,
  }),
  op({
    method: 'POST',
    path: '/api/admin/users',
    summary: 'Add a user → the user and a one-time code to hand over',
    roles: 'admin',
    body: CreateUser,
    status: 201,
    response: z.object({ user: AdminUser, oneTimeCode: z.string(), codeExpiresAt: IsoTime }),
  }),
  op({
    method: 'PATCH',
    path: '/api/admin/users/:id',
    summary: 'Change a user',
    roles: 'admin',
    params: userParam,
    body: PatchUser,
    response: UserAnswer,
  }),
  op({
    method: 'POST',
    path: '/api/admin/users/:id/deactivate',
    summary: 'Deactivate a user (force: even with rota slots ahead)',
    roles: 'admin',
    params: userParam,
    body: ForceBody,
    bodyOptional: true,
    response: z.looseObject({ user: AdminUser }),
  }),
  op({
    method: 'POST',
    path: '/api/admin/users/:id/reactivate',
    summary: 'Reactivate a user',
    roles: 'admin',
    params: userParam,
    response: UserAnswer,
  }),
  op({
    method: 'POST',
    path: '/api/admin/users/:id/reset-password',
    summary: 'A new one-time code for the user (ends their sessions)',
    roles: 'admin',
    params: userParam,
    response: z.object({
      userId: z.uuid(),
      username: z.string(),
      oneTimeCode: z.string(),
      codeExpiresAt: IsoTime,
    }),
  }),
]
