/**
 * WeCom's callback message crypto (加解密方案, the scheme of its WXBizMsgCrypt samples):
 * - msg_signature = sha1 of the sorted concatenation of [token, timestamp, nonce, Encrypt];
 * - AES-256-CBC, key = base64(EncodingAESKey + '='), IV = the key's first 16 bytes,
 *   PKCS#7 padding to a multiple of 32 bytes;
 * - plaintext = 16 random bytes · 4-byte big-endian message length · message · receiveid (corp id).
 *
 * Written on node:crypto rather than @wecom/crypto: that package is ~100 lines, two releases and
 * one maintainer, and its unpadding silently accepts invalid padding and unchecked lengths; here a
 * wrong pad, a length beyond the buffer or a foreign corp id is refused, and signatures are
 * compared in constant time. The test fakes use @wecom/crypto to produce callbacks, so the two
 * implementations check each other.
 */
import crypto from 'node:crypto'
import { problem } from '../../../core/problem.ts'
import type { WecomCallback, WecomSettings } from '../vendor.ts'
import { parseFlatXml, XmlError } from './wecom-xml.ts'

export function wecomSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return crypto.createHash('sha1').update([token, timestamp, nonce, encrypt].sort().join('')).digest('hex')
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase())
  const y = Buffer.from(b.toLowerCase())
  return x.length === y.length && crypto.timingSafeEqual(x, y)
}

function aesKey(encodingAesKey: string): Buffer {
  const key = Buffer.from(encodingAesKey + '=', 'base64')
  if (encodingAesKey.length !== 43 || key.length !== 32) throw problem('invalid', 'callbackAesKey')
  return key
}

/** Decrypt an Encrypt value; returns the message and the receiveid it was sealed for. */
export function wecomDecrypt(
  encodingAesKey: string,
  encrypt: string,
): { message: string; receiveId: string } {
  const key = aesKey(encodingAesKey)
  const data = Buffer.from(encrypt, 'base64')
  if (data.length === 0 || data.length % 32 !== 0) throw problem('invalid', 'Encrypt')
  let plain: Buffer
  try {
    const decipher = crypto.createDecipheriv('aes-256-cbc', key, key.subarray(0, 16))
    decipher.setAutoPadding(false)
    plain = Buffer.concat([decipher.update(data), decipher.final()])
  } catch {
    throw problem('invalid', 'Encrypt')
  }
  const pad = plain[plain.length - 1]!
  if (pad < 1 || pad > 32 || !plain.subarray(plain.length - pad).every((b) => b === pad))
    throw problem('invalid', 'Encrypt')
  const content = plain.subarray(0, plain.length - pad)
  if (content.length < 20) throw problem('invalid', 'Encrypt')
  const len = content.readUInt32BE(16)
  if (20 + len > content.length) throw problem('invalid', 'Encrypt')
  return {
    message: content.subarray(20, 20 + len).toString('utf8'),
    receiveId: content.subarray(20 + len).toString('utf8'),
  }
}

interface SignedQuery {
  msg_signature: string
  timestamp: string
  nonce: string
}

function verified(settings: WecomSettings, q: SignedQuery, encrypt: string): string {
  for (const f of ['msg_signature', 'timestamp', 'nonce'] as const)
    if (typeof q[f] !== 'string' || q[f] === '') throw problem('invalid', f)
  if (!sameHex(wecomSignature(settings.callbackToken, q.timestamp, q.nonce, encrypt), q.msg_signature))
    throw problem('unauthorized', 'msg_signature')
  const { message, receiveId } = wecomDecrypt(settings.callbackAesKey, encrypt)
  if (receiveId !== settings.corpId) throw problem('forbidden', 'receiveid')
  return message
}

/** The URL check WeCom runs when the callback is configured: answer with the decrypted echostr. */
export function verifyUrl(settings: WecomSettings, query: SignedQuery & { echostr: string }): string {
  if (typeof query.echostr !== 'string' || query.echostr === '') throw problem('invalid', 'echostr')
  // Base64 has no spaces: a '+' that reached us unencoded was turned into one by form decoding.
  return verified(settings, query, query.echostr.replaceAll(' ', '+'))
}

function xml(text: string, field: string): Record<string, string> {
  try {
    return parseFlatXml(text)
  } catch (e) {
    if (e instanceof XmlError) throw problem('invalid', field)
    throw e
  }
}

/** Verify, decrypt and read a callback POST. Throws on a bad signature, corp id or body. */
export function openCallback(settings: WecomSettings, query: SignedQuery, bodyXml: string): WecomCallback {
  const outer = xml(bodyXml, 'body')
  const encrypt = outer.Encrypt
  if (!encrypt) throw problem('invalid', 'Encrypt')
  if (outer.ToUserName !== undefined && outer.ToUserName !== settings.corpId)
    throw problem('forbidden', 'ToUserName')
  const inner = xml(verified(settings, query, encrypt), 'Encrypt')
  if (inner.ToUserName !== undefined && inner.ToUserName !== settings.corpId)
    throw problem('forbidden', 'ToUserName')
  const event = inner.Event ?? inner.MsgType ?? ''
  if (inner.MsgType === 'event' && inner.Event === 'template_card_event') {
    const agentId = Number(inner.AgentID)
    if (inner.AgentID !== undefined && agentId !== settings.agentId) throw problem('forbidden', 'AgentID')
    for (const f of ['FromUserName', 'TaskId', 'EventKey', 'ResponseCode', 'CreateTime'] as const)
      if (!inner[f]) throw problem('invalid', f)
    const createTime = Number(inner.CreateTime)
    if (!Number.isInteger(createTime)) throw problem('invalid', 'CreateTime')
    return {
      kind: 'template_card_event',
      toUserName: settings.corpId,
      fromUser: inner.FromUserName!,
      agentId: settings.agentId,
      createTime,
      taskId: inner.TaskId!,
      eventKey: inner.EventKey!,
      responseCode: inner.ResponseCode!,
    }
  }
  return inner.FromUserName
    ? { kind: 'other', event, fromUser: inner.FromUserName }
    : { kind: 'other', event }
}
