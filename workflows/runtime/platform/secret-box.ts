import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

/**
 * Secrets at rest (vendor keys, platform keys, second-factor seeds): AES-256-GCM under
 * XINLIAN_SECRET_KEY (32 random bytes as 64 hex characters, `openssl rand -hex 32`). A sealed
 * value is `v1.<iv>.<tag>.<ciphertext>` in base64url; tampering fails the GCM tag.
 */
export interface SecretBox {
  seal(plaintext: string): string
  open(sealed: string): string
}

export const SECRET_KEY_HELP =
  'XINLIAN_SECRET_KEY must be 32 random bytes as 64 hex characters (generate one with `openssl rand -hex 32`)'

export function createSecretBox(keyHex: string | undefined): SecretBox {
  if (!keyHex || !/^[0-9a-fA-F]{64}$/.test(keyHex)) throw new Error(SECRET_KEY_HELP)
  const key = Buffer.from(keyHex, 'hex')
  return {
    seal(plaintext) {
      const iv = randomBytes(12)
      const c = createCipheriv('aes-256-gcm', key, iv)
      const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()])
      return ['v1', iv, c.getAuthTag(), ct]
        .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
        .join('.')
    },
    open(sealed) {
      const [v, iv, tag, ct] = sealed.split('.')
      if (v !== 'v1' || !iv || !tag || ct === undefined) throw new Error('not a sealed secret')
      const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
      d.setAuthTag(Buffer.from(tag, 'base64url'))
      return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8')
    },
  }
}
