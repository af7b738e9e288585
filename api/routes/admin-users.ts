/** `/api/admin/users` (issue 8): people, roles, facility scope, deactivation, one-time codes. */
import { randomInt } from 'node:crypto'
import { Hono } from 'hono'
import { z } from 'zod'
import { problem } from '../../workflows/core/problem.ts'
import { inTx, networkRow, ownFacilityIds, writeAudit } from '../../workflows/runtime/store/admin.ts'
import {
  activeAdminCount,
  adminUsers,
  deactivateUser,
  insertUser,
  issueCode,
  reactivateUser,
  setContact,
  setDisplayName,
  setRolesAndScope,
  type AdminUser,
} from '../../workflows/runtime/store/admin-users.ts'
import type { Sql } from '../../workflows/runtime/platform/connect.ts'
import { hashToken } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { ApiError, SQLSTATE } from '../http/errors.ts'
import { readJson } from '../http/validate.ts'
import {
  actorOf,
  DEFAULT_TZ,
  Force,
  guardRota,
  idParam,
  invalid,
  notFoundIn,
  readOptionalJson,
  ROLES,
  SCOPED_ROLES,
  Username,
  Uuid,
  type Actor,
} from './admin-rules.ts'

// Crockford base32 without I, L, O, U: read aloud or typed from a screen without confusion.
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
/** 12 symbols = 60 bits; with a 24 h life and 5 tries, guessing is hopeless. Shown as XXXX-XXXX-XXXX. */
export function newOneTimeCode(): string {
  const s = Array.from({ length: 12 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('')
  return `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8)}`
}
/** What is hashed and compared: upper case, separators and spaces dropped. */
export const normaliseCode = (code: string) => code.toUpperCase().replace(/[\s-]/g, '')
export const hashCode = (code: string) => hashToken(normaliseCode(code))

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
const contactOf = (b: z.infer<typeof PatchUser> | z.infer<typeof CreateUser>) => ({
  mobile: b.mobile,
  mobileVerified: b.mobileVerified,
  wecomUserId: b.wecomUserId,
})
const ForceBody = z.strictObject({ force: Force })

/** Scope checks shared with the import: facilities of this network, and one for scoped roles. */
export async function checkScope(sql: Sql, networkId: string, roles: string[], facilityIds: string[]) {
  const own = await ownFacilityIds(sql, networkId, facilityIds)
  facilityIds.forEach((f, i) => {
    if (!own.has(f))
      throw invalid(`facilityIds.${i}`, 'invalid', 'No such facility in your network / 本网络中无此机构')
  })
  if (facilityIds.length === 0 && roles.some((r) => SCOPED_ROLES.has(r)))
    throw invalid(
      'facilityIds',
      'invalid',
      'Village doctors and township physicians work at a facility: give facilityIds / 村医和乡镇医生须指定所属机构',
    )
}

export async function createUserWithCode(
  tx: Sql,
  actor: Actor,
  u: { username: string; displayName: string; roles: string[]; facilityIds: string[] },
) {
  const id = await insertUser(tx, actor.networkId, u)
  const code = newOneTimeCode()
  const expiresAt = await issueCode(tx, {
    userId: id,
    codeHash: hashCode(code),
    purpose: 'initial',
    createdBy: actor.actorId,
  })
  await writeAudit(tx, {
    ...actor,
    action: 'user.create',
    entity: 'user',
    entityId: id,
    before: null,
    after: u,
  })
  return { id, oneTimeCode: code, codeExpiresAt: expiresAt }
}

async function oneUser(sql: Sql, networkId: string, id: string): Promise<AdminUser> {
  const [u] = await adminUsers(sql, networkId, id)
  if (!u) throw notFoundIn('user')
  return u
}

const auditView = (u: AdminUser) => ({
  username: u.username,
  displayName: u.displayName,
  active: u.active,
  roles: u.roles,
  facilityIds: u.facilityIds,
  mobile: u.mobile,
  mobileVerified: u.mobileVerified,
  wecomUserId: u.wecomUserId,
})

async function tzOf(sql: Sql, networkId: string) {
  return (await networkRow(sql, networkId))?.settings.timezone ?? DEFAULT_TZ
}

/** Refuse a change that leaves the network without any active admin (nobody could fix it). */
async function keepAnAdmin(tx: Sql, networkId: string) {
  if ((await activeAdminCount(tx, networkId)) === 0)
    throw invalid(
      'roles',
      'last_admin',
      'This would leave the network without an active admin: make someone else admin first / 此操作将使网络没有管理员，请先指定其他管理员',
    )
}

/** One WeCom id maps to one person of the network (the callbacks act as that person). */
async function wecomIdFree(
  sql: Sql,
  networkId: string,
  wecomUserId: string | null | undefined,
  self: string | null,
) {
  if (!wecomUserId) return
  const [other] = await sql<{ id: string }[]>`
    select id from users where network_id = ${networkId} and wecom_user_id = ${wecomUserId}
       and id is distinct from ${self}::uuid`
  if (other) throw problem('conflict', 'wecomUserId')
}

export const userRoutes = new Hono<AppEnv>()
  .get('/', async (c) => c.json({ users: await adminUsers(c.var.deps.sql, c.var.user.networkId) }))
  .get('/:id', async (c) => c.json({ user: await oneUser(c.var.deps.sql, c.var.user.networkId, idParam(c)) }))
  .post('/', async (c) => {
    const body = await readJson(c, CreateUser)
    const actor = actorOf(c)
    const { sql } = c.var.deps
    const u = { ...body, facilityIds: body.facilityIds ?? [] }
    await checkScope(sql, actor.networkId, u.roles, u.facilityIds)
    try {
      await wecomIdFree(sql, actor.networkId, body.wecomUserId, null)
      const made = await inTx(sql, async (tx) => {
        const m = await createUserWithCode(tx, actor, u)
        await setContact(tx, m.id, contactOf(body))
        return m
      })
      return c.json(
        {
          user: await oneUser(sql, actor.networkId, made.id),
          oneTimeCode: made.oneTimeCode,
          codeExpiresAt: made.codeExpiresAt,
        },
        201,
      )
    } catch (e) {
      if ((e as { code?: string }).code === SQLSTATE.uniqueViolation)
        throw new ApiError(409, 'conflict', 'This username is taken / 用户名已被使用', 'username')
      throw e
    }
  })
  .patch('/:id', async (c) => {
    const id = idParam(c)
    const body = await readJson(c, PatchUser)
    const actor = actorOf(c)
    const { sql } = c.var.deps
    const current = await oneUser(sql, actor.networkId, id)
    const roles = body.roles ?? current.roles
    const facilityIds = body.facilityIds ?? current.facilityIds
    await checkScope(sql, actor.networkId, roles, facilityIds)
    await wecomIdFree(sql, actor.networkId, body.wecomUserId, id)
    const tz = await tzOf(sql, actor.networkId)
    await inTx(sql, async (tx) => {
      await tx`select 1 from users where id = ${id} for update`
      await guardRota(tx, actor.networkId, { force: body.force, tz }, async () => {
        if (body.displayName) await setDisplayName(tx, id, body.displayName)
        if (body.roles || body.facilityIds) await setRolesAndScope(tx, id, roles, facilityIds)
      })
      await setContact(tx, id, contactOf(body))
      await keepAnAdmin(tx, actor.networkId)
      const after = await oneUser(tx, actor.networkId, id)
      await writeAudit(tx, {
        ...actor,
        action: 'user.update',
        entity: 'user',
        entityId: id,
        before: auditView(current),
        after: auditView(after),
      })
    })
    return c.json({ user: await oneUser(sql, actor.networkId, id) })
  })
  .post('/:id/deactivate', async (c) => {
    const id = idParam(c)
    const body = await readOptionalJson(c, ForceBody)
    const actor = actorOf(c)
    const { sql } = c.var.deps
    const current = await oneUser(sql, actor.networkId, id)
    const tz = await tzOf(sql, actor.networkId)
    const result = await inTx(sql, async (tx) => {
      const { result } = await guardRota(tx, actor.networkId, { force: body.force, tz }, () =>
        deactivateUser(tx, id),
      )
      await keepAnAdmin(tx, actor.networkId)
      await writeAudit(tx, {
        ...actor,
        action: 'user.deactivate',
        entity: 'user',
        entityId: id,
        before: auditView(current),
        after: { ...auditView(current), active: false, ...result },
      })
      return result
    })
    return c.json({ user: await oneUser(sql, actor.networkId, id), ...result })
  })
  .post('/:id/reactivate', async (c) => {
    const id = idParam(c)
    const actor = actorOf(c)
    const { sql } = c.var.deps
    const current = await oneUser(sql, actor.networkId, id)
    await inTx(sql, async (tx) => {
      await reactivateUser(tx, id)
      await writeAudit(tx, {
        ...actor,
        action: 'user.reactivate',
        entity: 'user',
        entityId: id,
        before: { active: current.active },
        after: { active: true },
      })
    })
    return c.json({ user: await oneUser(sql, actor.networkId, id) })
  })
  .post('/:id/reset-password', async (c) => {
    const id = idParam(c)
    const actor = actorOf(c)
    const { sql } = c.var.deps
    const current = await oneUser(sql, actor.networkId, id)
    if (!current.active) throw invalid('id', 'inactive', 'Reactivate the user first / 请先重新启用该用户')
    const code = newOneTimeCode()
    const expiresAt = await inTx(sql, async (tx) => {
      const at = await issueCode(tx, {
        userId: id,
        codeHash: hashCode(code),
        purpose: 'reset',
        createdBy: actor.actorId,
      })
      // The code itself is never stored or audited: only that one was issued, and until when.
      await writeAudit(tx, {
        ...actor,
        action: 'user.reset_password',
        entity: 'user',
        entityId: id,
        before: null,
        after: { codeExpiresAt: at },
      })
      return at
    })
    return c.json({ userId: id, username: current.username, oneTimeCode: code, codeExpiresAt: expiresAt })
  })
