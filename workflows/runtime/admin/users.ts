/**
 * People of a network (docs/admin-api.md): create with a one-time code, change roles and scope,
 * deactivate, reactivate, reset a password. Each command owns its transaction and audit row; the
 * import and the create-admin CLI call the same functions as the routes.
 */
import { createHash, randomInt } from 'node:crypto'
import { scopeProblems } from '../../core/admin-rules.ts'
import { problem, ProblemError } from '../../core/problem.ts'
import type { AuditCtx } from '../context.ts'
import type { Sql } from '../platform/connect.ts'
import { inTx, insertNetwork, ownFacilityIds } from '../store/admin.ts'
import {
  activeAdminCount,
  adminUsers,
  deactivateUser as storeDeactivate,
  insertUser,
  issueCode,
  lockUserRow,
  reactivateUser as storeReactivate,
  setContact,
  setDisplayName,
  wecomIdTaken,
  setRolesAndScope,
  type AdminUser,
} from '../store/admin-users.ts'
import { audit } from '../store/audit.ts'
import { guardRota, networkTimeZone } from './rota.ts'

// Crockford base32 without I, L, O, U: read aloud or typed from a screen without confusion.
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
/** 12 symbols = 60 bits; with a 24 h life and 5 tries, guessing is hopeless. Shown as XXXX-XXXX-XXXX. */
export function newOneTimeCode(): string {
  const s = Array.from({ length: 12 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('')
  return `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8)}`
}
/** What is hashed and compared: upper case, separators and spaces dropped. */
export const normaliseCode = (code: string) => code.toUpperCase().replace(/[\s-]/g, '')
/** SHA-256 hex of the normalised code (the same digest as session tokens). */
export const hashCode = (code: string) => createHash('sha256').update(normaliseCode(code)).digest('hex')

export interface NewUser {
  username: string
  displayName: string
  roles: string[]
  facilityIds: string[]
}

/** A person's alert contacts (docs/alert-channels.md); undefined = leave as is. */
export interface Contact {
  mobile?: string | null | undefined
  mobileVerified?: boolean | undefined
  wecomUserId?: string | null | undefined
}

const contactOf = (c: Contact) => ({
  ...(c.mobile !== undefined ? { mobile: c.mobile } : {}),
  ...(c.mobileVerified !== undefined ? { mobileVerified: c.mobileVerified } : {}),
  ...(c.wecomUserId !== undefined ? { wecomUserId: c.wecomUserId } : {}),
})

/** One WeCom id maps to one person of the network (the WeCom callbacks act as that person). */
async function wecomIdFree(
  sql: Sql,
  networkId: string,
  wecomUserId: string | null | undefined,
  self: string | null,
) {
  if (!wecomUserId) return
  if (await wecomIdTaken(sql, networkId, wecomUserId, self)) throw problem('conflict', 'wecomUserId')
}

/** SQLSTATE unique_violation: the username is taken (checked again by the database). */
const UNIQUE_VIOLATION = '23505'
export const isUniqueViolation = (e: unknown) => (e as { code?: string }).code === UNIQUE_VIOLATION

/** Facilities of this network, and one for scoped roles. */
export async function checkScope(sql: Sql, networkId: string, roles: string[], facilityIds: string[]) {
  const own = await ownFacilityIds(sql, networkId, facilityIds)
  const [first] = scopeProblems(roles, facilityIds, own)
  if (first) throw new ProblemError(first)
}

export async function oneUser(sql: Sql, networkId: string, id: string): Promise<AdminUser> {
  const [u] = await adminUsers(sql, networkId, id)
  if (!u) throw problem('not_found')
  return u
}

/** Insert the user and a first one-time code, audited, in the caller's transaction. */
export async function insertUserWithCode(tx: Sql, ctx: AuditCtx, u: NewUser) {
  const id = await insertUser(tx, ctx.networkId, u)
  const code = newOneTimeCode()
  const expiresAt = await issueCode(tx, {
    userId: id,
    codeHash: hashCode(code),
    purpose: 'initial',
    createdBy: ctx.userId,
  })
  await audit(tx, ctx, { action: 'user.create', entity: 'user', entityId: id, before: null, after: u })
  return { id, oneTimeCode: code, codeExpiresAt: expiresAt }
}

export async function createUser(sql: Sql, ctx: AuditCtx, input: NewUser & Contact) {
  const { mobile, mobileVerified, wecomUserId, ...u } = input
  await checkScope(sql, ctx.networkId, u.roles, u.facilityIds)
  await wecomIdFree(sql, ctx.networkId, wecomUserId, null)
  try {
    const made = await inTx(sql, async (tx) => {
      const m = await insertUserWithCode(tx, ctx, u)
      await setContact(tx, m.id, contactOf({ mobile, mobileVerified, wecomUserId }))
      return m
    })
    return {
      user: await oneUser(sql, ctx.networkId, made.id),
      oneTimeCode: made.oneTimeCode,
      codeExpiresAt: made.codeExpiresAt,
    }
  } catch (e) {
    if (isUniqueViolation(e)) throw problem('username_taken', 'username')
    throw e
  }
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

/** Refuse a change that leaves the network without any active admin (nobody could fix it). */
async function keepAnAdmin(tx: Sql, networkId: string) {
  if ((await activeAdminCount(tx, networkId)) === 0) throw problem('last_admin', 'roles')
}

export async function updateUser(
  sql: Sql,
  ctx: AuditCtx,
  id: string,
  body: {
    displayName?: string | undefined
    roles?: string[] | undefined
    facilityIds?: string[] | undefined
    force: boolean
  } & Contact,
) {
  const current = await oneUser(sql, ctx.networkId, id)
  const roles = body.roles ?? current.roles
  const facilityIds = body.facilityIds ?? current.facilityIds
  await checkScope(sql, ctx.networkId, roles, facilityIds)
  await wecomIdFree(sql, ctx.networkId, body.wecomUserId, id)
  const tz = await networkTimeZone(sql, ctx.networkId)
  await inTx(sql, async (tx) => {
    await lockUserRow(tx, id)
    await guardRota(tx, ctx.networkId, { force: body.force, tz }, async () => {
      if (body.displayName) await setDisplayName(tx, id, body.displayName)
      if (body.roles || body.facilityIds) await setRolesAndScope(tx, id, roles, facilityIds)
    })
    await setContact(tx, id, contactOf(body))
    await keepAnAdmin(tx, ctx.networkId)
    const after = await oneUser(tx, ctx.networkId, id)
    await audit(tx, ctx, {
      action: 'user.update',
      entity: 'user',
      entityId: id,
      before: auditView(current),
      after: auditView(after),
    })
  })
  return oneUser(sql, ctx.networkId, id)
}

export async function deactivateUser(sql: Sql, ctx: AuditCtx, id: string, force: boolean) {
  const current = await oneUser(sql, ctx.networkId, id)
  const tz = await networkTimeZone(sql, ctx.networkId)
  const result = await inTx(sql, async (tx) => {
    const { result } = await guardRota(tx, ctx.networkId, { force, tz }, () => storeDeactivate(tx, id))
    await keepAnAdmin(tx, ctx.networkId)
    await audit(tx, ctx, {
      action: 'user.deactivate',
      entity: 'user',
      entityId: id,
      before: auditView(current),
      after: { ...auditView(current), active: false, ...result },
    })
    return result
  })
  return { user: await oneUser(sql, ctx.networkId, id), ...result }
}

export async function reactivateUser(sql: Sql, ctx: AuditCtx, id: string) {
  const current = await oneUser(sql, ctx.networkId, id)
  await inTx(sql, async (tx) => {
    await storeReactivate(tx, id)
    await audit(tx, ctx, {
      action: 'user.reactivate',
      entity: 'user',
      entityId: id,
      before: { active: current.active },
      after: { active: true },
    })
  })
  return oneUser(sql, ctx.networkId, id)
}

/** A new one-time code for an active user; the code itself is never stored or audited. */
export async function resetPassword(sql: Sql, ctx: AuditCtx, id: string) {
  const current = await oneUser(sql, ctx.networkId, id)
  if (!current.active) throw problem('inactive', 'id')
  const code = newOneTimeCode()
  const expiresAt = await inTx(sql, async (tx) => {
    const at = await issueCode(tx, {
      userId: id,
      codeHash: hashCode(code),
      purpose: 'reset',
      createdBy: ctx.userId,
    })
    await audit(tx, ctx, {
      action: 'user.reset_password',
      entity: 'user',
      entityId: id,
      before: null,
      after: { codeExpiresAt: at },
    })
    return at
  })
  return { userId: id, username: current.username, oneTimeCode: code, codeExpiresAt: expiresAt }
}

/**
 * A new network and its first admin with a one-time code (api/cli/create-admin.ts). Nothing else
 * is created: the admin builds the network from the admin screens or an import file.
 */
export async function createNetworkWithAdmin(
  sql: Sql,
  n: { name: string; nameEn: string | null; username: string; displayName: string; device: string },
) {
  const code = newOneTimeCode()
  const out = await inTx(sql, async (tx) => {
    const networkId = await insertNetwork(tx, {
      name: n.name,
      nameEn: n.nameEn,
      settings: { checklist: 'cn', expectedDoorToWireMinutes: 60 },
    })
    const userId = await insertUser(tx, networkId, {
      username: n.username.toLowerCase(),
      displayName: n.displayName,
      roles: ['admin'],
      facilityIds: [],
    })
    const expiresAt = await issueCode(tx, {
      userId,
      codeHash: hashCode(code),
      purpose: 'initial',
      createdBy: userId,
    })
    await audit(
      tx,
      { networkId, userId, device: n.device },
      {
        action: 'network.create',
        entity: 'network',
        entityId: networkId,
        before: null,
        after: { name: n.name, admin: n.username },
      },
    )
    return { networkId, expiresAt }
  })
  return { ...out, oneTimeCode: code }
}
