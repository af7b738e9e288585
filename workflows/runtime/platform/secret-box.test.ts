import { createCipheriv } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createSecretBox, SecretKeyError } from './secret-box.ts'

const KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff'

describe('secret box', () => {
  it('opens what it sealed, with a fresh IV each time', () => {
    const box = createSecretBox(KEY)
    const a = box.seal('JBSWY3DPEHPK3PXP')
    const b = box.seal('JBSWY3DPEHPK3PXP')
    expect(a).not.toBe(b)
    expect(a).not.toContain('JBSWY3DPEHPK3PXP')
    expect(box.open(a)).toBe('JBSWY3DPEHPK3PXP')
    expect(box.open(box.seal(''))).toBe('')
    expect(box.open(box.seal('心联 ✓'))).toBe('心联 ✓')
  })

  it('is AES-256-GCM: a value sealed by node:crypto directly opens', () => {
    const iv = Buffer.alloc(12, 7)
    const c = createCipheriv('aes-256-gcm', Buffer.from(KEY, 'hex'), iv)
    const data = Buffer.concat([c.update('secret'), c.final()])
    const sealed = [
      'v1',
      iv.toString('base64url'),
      c.getAuthTag().toString('base64url'),
      data.toString('base64url'),
    ].join('.')
    expect(createSecretBox(KEY).open(sealed)).toBe('secret')
  })

  it('refuses a tampered value and a wrong key', () => {
    const sealed = createSecretBox(KEY).seal('secret')
    const parts = sealed.split('.')
    const data = Buffer.from(parts[3]!, 'base64url')
    data[0] = data[0]! ^ 1
    parts[3] = data.toString('base64url')
    expect(() => createSecretBox(KEY).open(parts.join('.'))).toThrow()
    expect(() => createSecretBox('ff'.repeat(32)).open(sealed)).toThrow()
    expect(() => createSecretBox(KEY).open('nonsense')).toThrow(/not a sealed value/)
  })

  it('says what is wrong with the key', () => {
    expect(() => createSecretBox(undefined)).toThrow(SecretKeyError)
    expect(() => createSecretBox(undefined)).toThrow(/XINLIAN_SECRET_KEY is not set/)
    expect(() => createSecretBox('abc')).toThrow(/64 hexadecimal characters/)
    expect(() => createSecretBox('g'.repeat(64))).toThrow(/64 hexadecimal characters/)
  })
})
