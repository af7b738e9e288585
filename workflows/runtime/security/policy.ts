/**
 * The security policy of a network (table security_policies, migrations/0010_security.sql):
 * second factor, password rules, idle timeout of sessions and audit retention. A network without
 * a row has the defaults below, which are the column defaults of that migration.
 */
import type { Q } from '../platform/connect.ts'
import type { Role } from '../../core/index.ts'

export interface SecurityPolicy {
  mfa: 'off' | 'required'
  passwordMinLength: number
  passwordMinClasses: number
  passwordHistory: number
  idleTimeoutMinutes: number | null
  auditRetentionMonths: number
}

/** 等保 2.0 level 3 asks for audit records kept at least 6 months; the database CHECKs the same. */
export const MIN_AUDIT_RETENTION_MONTHS = 6

export const DEFAULT_POLICY: Readonly<SecurityPolicy> = Object.freeze({
  mfa: 'off',
  passwordMinLength: 10,
  passwordMinClasses: 3,
  passwordHistory: 5,
  idleTimeoutMinutes: null,
  auditRetentionMonths: MIN_AUDIT_RETENTION_MONTHS,
})

/** Roles whose accounts the policy `mfa: 'required'` covers: they see every case or change the network. */
export const MFA_ROLES: readonly Role[] = ['admin', 'qa', 'cardiologist']

export const mfaCovers = (roles: readonly Role[]) => roles.some((r) => MFA_ROLES.includes(r))

export async function loadPolicy(q: Q, networkId: string): Promise<SecurityPolicy> {
  const [row] = await q<SecurityPolicy[]>`
    select mfa, password_min_length as "passwordMinLength", password_min_classes as "passwordMinClasses",
           password_history as "passwordHistory", idle_timeout_minutes as "idleTimeoutMinutes",
           audit_retention_months as "auditRetentionMonths"
      from security_policies where network_id = ${networkId}`
  return row ?? { ...DEFAULT_POLICY }
}

export async function savePolicy(q: Q, networkId: string, p: SecurityPolicy, by: string): Promise<void> {
  await q`
    insert into security_policies (network_id, mfa, password_min_length, password_min_classes, password_history,
                                   idle_timeout_minutes, audit_retention_months, updated_at, updated_by)
    values (${networkId}, ${p.mfa}, ${p.passwordMinLength}, ${p.passwordMinClasses}, ${p.passwordHistory},
            ${p.idleTimeoutMinutes}, ${p.auditRetentionMonths}, now(), ${by})
    on conflict (network_id) do update set
      mfa = excluded.mfa, password_min_length = excluded.password_min_length,
      password_min_classes = excluded.password_min_classes, password_history = excluded.password_history,
      idle_timeout_minutes = excluded.idle_timeout_minutes,
      audit_retention_months = excluded.audit_retention_months,
      updated_at = now(), updated_by = excluded.updated_by`
}

/** How many of the four character classes (lower, upper, digit, other) a password uses. */
export function characterClasses(password: string): number {
  return [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /[^\p{Ll}\p{Lu}\p{Nd}]/u].filter((re) => re.test(password)).length
}

/** Why a password breaks the complexity rules, or null when it does not. History is checked elsewhere. */
export function complexityProblem(
  password: string,
  p: Pick<SecurityPolicy, 'passwordMinLength' | 'passwordMinClasses'>,
): { minLength: number; minClasses: number } | null {
  // Length in code points (a Chinese character counts once), as a person would count it.
  const ok =
    Array.from(password).length >= p.passwordMinLength && characterClasses(password) >= p.passwordMinClasses
  return ok ? null : { minLength: p.passwordMinLength, minClasses: p.passwordMinClasses }
}
