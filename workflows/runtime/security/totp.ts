/**
 * TOTP second factor (RFC 6238: SHA-1, 6 digits, 30 s; what every authenticator app speaks),
 * through otplib. One step of clock drift either side is accepted, and a code is accepted once:
 * the caller keeps the last accepted time step and passes it back (RFC 6238 §5.2).
 */
import { generate, generateSecret, generateURI, verify } from 'otplib'

export const TOTP_PERIOD_S = 30

export const newTotpSecret = (): string => generateSecret()

/** The otpauth:// URI an authenticator app imports (typed in, or as a QR code drawn locally). */
export function totpUri(secret: string, account: string, issuer = 'Xinlian 心联'): string {
  return generateURI({ issuer, label: account, secret })
}

/** The time step the code belongs to, or null when it is wrong or already used. */
export async function verifyTotp(
  secret: string,
  code: string,
  opts: { nowMs: number; afterStep: number | null },
): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null
  const r = await verify({
    secret,
    token: code,
    epoch: Math.floor(opts.nowMs / 1000),
    epochTolerance: TOTP_PERIOD_S,
    ...(opts.afterStep === null ? {} : { afterTimeStep: opts.afterStep }),
  })
  return r.valid && 'timeStep' in r ? r.timeStep : null
}

/** The current code (tests and the PWA enrolment check). */
export const totpNow = (secret: string, nowMs: number): Promise<string> =>
  generate({ secret, epoch: Math.floor(nowMs / 1000) })
