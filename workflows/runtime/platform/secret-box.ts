/**
 * Secrets at rest (TOTP seeds, vendor credentials): AES-256-GCM with one key from the environment,
 * XINLIAN_SECRET_KEY (64 hex characters = 32 bytes; generate with `openssl rand -hex 32`).
 * A sealed value is `v1.<iv>.<tag>.<ciphertext>` (base64url): a fresh 96-bit IV per value
 * (NIST SP 800-38D §8.2), the 128-bit tag authenticates it, so a changed byte fails to open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

export interface SecretBox {
  seal(plaintext: string): string
  open(sealed: string): string
}

export const SECRET_KEY_ENV = 'XINLIAN_SECRET_KEY'

/** Thrown when a key is needed and missing or malformed; its message is meant for the operator. */
export class SecretKeyError extends Error {}

const VERSION = 'v1'

export function createSecretBox(keyHex: string | undefined): SecretBox {
  if (!keyHex) {
    throw new SecretKeyError(
      `${SECRET_KEY_ENV} is not set: it encrypts secrets stored in the database (two-factor seeds, ` +
        `vendor credentials). Generate one with \`openssl rand -hex 32\`, keep it outside the ` +
        `database backups, and set it for every API process.`,
    )
  }
  if (!/^[0-9a-fA-F]{64}$/.test(keyHex)) {
    throw new SecretKeyError(
      `${SECRET_KEY_ENV} must be 64 hexadecimal characters (32 bytes, AES-256); ` +
        `got ${keyHex.length} characters. Generate one with \`openssl rand -hex 32\`.`,
    )
  }
  const key = Buffer.from(keyHex, 'hex')
  return {
    seal(plaintext) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      const tag = cipher.getAuthTag()
      return [VERSION, iv, tag, data]
        .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
        .join('.')
    },
    open(sealed) {
      const [v, iv, tag, data] = sealed.split('.')
      if (v !== VERSION || iv === undefined || tag === undefined || data === undefined)
        throw new Error('secret-box: not a sealed value')
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
      decipher.setAuthTag(Buffer.from(tag, 'base64url'))
      // final() throws when the tag does not match: a wrong key or a tampered value.
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
        'utf8',
      )
    },
  }
}
