import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

/**
 * Secrets at rest (vendor keys, callback tokens): AES-256-GCM under XINLIAN_SECRET_KEY
 * (32 random bytes as 64 hex characters, `openssl rand -hex 32`). A sealed value is
 * `v1.<iv>.<tag>.<ciphertext>` in base64url: a fresh 12-byte IV per value, the tag authenticates.
 * Opening with a wrong key or a tampered value throws; the error never carries the value.
 */
export interface SecretBox {
  seal(plaintext: string): string
  open(sealed: string): string
}

export function createSecretBox(keyHex: string): SecretBox {
  if (!/^[0-9a-fA-F]{64}$/.test(keyHex))
    throw new Error('XINLIAN_SECRET_KEY must be 64 hex characters (openssl rand -hex 32)')
  const key = Buffer.from(keyHex, 'hex')
  return {
    seal(plaintext) {
      const iv = randomBytes(12)
      const c = createCipheriv('aes-256-gcm', key, iv)
      const body = Buffer.concat([c.update(plaintext, 'utf8'), c.final()])
      return ['v1', iv, c.getAuthTag(), body]
        .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
        .join('.')
    },
    open(sealed) {
      const [v, iv, tag, body] = sealed.split('.')
      if (v !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a sealed secret')
      try {
        const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
        d.setAuthTag(Buffer.from(tag, 'base64url'))
        return Buffer.concat([d.update(Buffer.from(body, 'base64url')), d.final()]).toString('utf8')
      } catch {
        throw new Error('sealed secret could not be opened (wrong XINLIAN_SECRET_KEY or tampered)')
      }
    },
  }
}
