/**
 * Second-factor state in PostgreSQL (migrations/0010_security.sql): the sealed TOTP secret, the
 * recovery codes (sha256 only), the short-lived challenge between password and code, and the
 * remembered devices (sha256 of the cookie token only; revocable by deleting or revoking the row).
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Q } from '../platform/connect.ts'

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

export interface MfaRow {
  secretSealed: string
  confirmedAt: Date | null
  lastStep: number | null
}

export async function mfaOf(q: Q, userId: string): Promise<MfaRow | undefined> {
  const [row] = await q<MfaRow[]>`
    select secret_sealed as "secretSealed", confirmed_at as "confirmedAt", last_step::float8 as "lastStep"
      from user_mfa where user_id = ${userId}`
  return row
}

/** Start (or restart) an enrolment; an enrolled factor is replaced only through `resetMfa`. */
export async function startEnrolment(q: Q, userId: string, secretSealed: string): Promise<boolean> {
  const rows = await q`
    insert into user_mfa (user_id, secret_sealed) values (${userId}, ${secretSealed})
    on conflict (user_id) do update set secret_sealed = excluded.secret_sealed, created_at = now(), last_step = null
      where user_mfa.confirmed_at is null
    returning 1`
  return rows.length === 1
}

/** Accept a time step once: false when this step (or a later one) was already used. */
export async function useStep(q: Q, userId: string, step: number): Promise<boolean> {
  const rows = await q`
    update user_mfa set last_step = ${step}
     where user_id = ${userId} and (last_step is null or last_step < ${step}) returning 1`
  return rows.length === 1
}

export async function confirmEnrolment(q: Q, userId: string): Promise<void> {
  await q`update user_mfa set confirmed_at = now() where user_id = ${userId}`
}

/** Lost phone and codes: an admin removes the factor; the user enrols again at the next sign-in. */
export async function resetMfa(q: Q, userId: string): Promise<void> {
  await q`delete from mfa_recovery_codes where user_id = ${userId}`
  await q`delete from user_mfa where user_id = ${userId}`
  await q`update remembered_devices set revoked_at = now() where user_id = ${userId} and revoked_at is null`
}

// Crockford base32 without I L O U: read aloud or typed from paper without confusion.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const normaliseCode = (code: string) => code.toUpperCase().replace(/[^0-9A-Z]/g, '')

/** Ten fresh recovery codes (12 characters, 60 bits each) replacing the old ones; shown once. */
export async function newRecoveryCodes(q: Q, userId: string): Promise<string[]> {
  const codes = Array.from({ length: 10 }, () => {
    const b = randomBytes(12)
    const s = [...b].map((x) => ALPHABET[x & 31]).join('')
    return `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8, 12)}`
  })
  await q`delete from mfa_recovery_codes where user_id = ${userId}`
  await q`insert into mfa_recovery_codes ${q(codes.map((c) => ({ user_id: userId, code_hash: sha256(normaliseCode(c)) })))}`
  return codes
}

/** Spend a recovery code: true once per code. */
export async function useRecoveryCode(q: Q, userId: string, code: string): Promise<boolean> {
  const rows = await q`
    update mfa_recovery_codes set used_at = now()
     where user_id = ${userId} and code_hash = ${sha256(normaliseCode(code))} and used_at is null returning 1`
  return rows.length === 1
}

export async function recoveryCodesLeft(q: Q, userId: string): Promise<number> {
  const [row] = await q<{ n: number }[]>`
    select count(*)::int as n from mfa_recovery_codes where user_id = ${userId} and used_at is null`
  return row?.n ?? 0
}

// --- challenges (password accepted, second factor pending) ---

export const CHALLENGE_TTL_S = 5 * 60
export const CHALLENGE_ATTEMPTS = 5

export async function createChallenge(q: Q, userId: string, device: string | null): Promise<string> {
  const token = randomBytes(32).toString('base64url')
  await q`delete from mfa_challenges where expires_at < now()`
  await q`insert into mfa_challenges (token_hash, user_id, expires_at, device)
          values (${sha256(token)}, ${userId}, now() + ${CHALLENGE_TTL_S} * interval '1 second', ${device})`
  return token
}

/** The challenge's user while it lives and has attempts left; counts this attempt. */
export async function takeChallengeAttempt(
  q: Q,
  token: string,
): Promise<{ userId: string; device: string | null } | undefined> {
  const [row] = await q<{ userId: string; device: string | null }[]>`
    update mfa_challenges set attempts = attempts + 1
     where token_hash = ${sha256(token)} and expires_at > now() and attempts < ${CHALLENGE_ATTEMPTS}
    returning user_id as "userId", device`
  return row
}

export async function peekChallenge(q: Q, token: string): Promise<string | undefined> {
  const [row] = await q<{ userId: string }[]>`
    select user_id as "userId" from mfa_challenges
     where token_hash = ${sha256(token)} and expires_at > now() and attempts < ${CHALLENGE_ATTEMPTS}`
  return row?.userId
}

export async function dropChallenge(q: Q, token: string): Promise<void> {
  await q`delete from mfa_challenges where token_hash = ${sha256(token)}`
}

// --- remembered devices ---

export const DEVICE_TTL_DAYS = 30

export async function rememberDevice(
  q: Q,
  userId: string,
  device: string | null,
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url')
  const [row] = await q<{ expiresAt: Date }[]>`
    insert into remembered_devices (user_id, token_hash, device, expires_at)
    values (${userId}, ${sha256(token)}, ${device}, now() + ${DEVICE_TTL_DAYS} * interval '1 day')
    returning expires_at as "expiresAt"`
  return { token, expiresAt: row!.expiresAt }
}

/** The user a device token remembers, if it is live; touches last_used_at. */
export async function deviceUser(q: Q, token: string): Promise<string | undefined> {
  const [row] = await q<{ userId: string }[]>`
    update remembered_devices set last_used_at = now()
     where token_hash = ${sha256(token)} and revoked_at is null and expires_at > now()
    returning user_id as "userId"`
  return row?.userId
}

export async function revokeDevices(q: Q, userId: string): Promise<number> {
  const rows = await q`update remembered_devices set revoked_at = now()
                        where user_id = ${userId} and revoked_at is null returning 1`
  return rows.length
}
