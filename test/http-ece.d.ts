// Minimal typings for http_ece (no @types package): only what the push tests use.
declare module 'http_ece' {
  import type { ECDH } from 'node:crypto'
  interface Params {
    version: 'aes128gcm' | 'aesgcm' | 'aesgcm128'
    privateKey?: ECDH
    authSecret?: string
    dh?: string
    keyid?: string
  }
  const ece: {
    decrypt(buffer: Buffer, params: Params): Buffer
    encrypt(buffer: Buffer, params: Params): Buffer
  }
  export default ece
}
