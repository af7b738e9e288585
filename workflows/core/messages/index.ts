/**
 * The one message catalogue of Xinlian (Simplified Chinese first, English second). The core,
 * the server (errors, push, CSV headers, SMS / voice / WeCom texts) and the PWA all render from
 * here, so a term reads the same on the tablet, in the push and in the export. Keys are typed:
 * a key used anywhere but missing from a catalogue is a type error.
 */
import { en } from './en.ts'
import { zhCN, type MessageKey } from './zh-CN.ts'

export type { MessageKey }
export type { RequiredKey } from './keys.ts'

/** The values `v` for which `${P}.${v}` is a catalogue key: `KeyOf<'drug'>` is every drug with a name. */
export type KeyOf<P extends string> = MessageKey extends infer K
  ? K extends `${P}.${infer S}`
    ? S
    : never
  : never
export type Lang = 'zh-CN' | 'en'
export type MessageParams = Record<string, string | number>

export const CATALOGUES: Readonly<Record<Lang, Readonly<Record<MessageKey, string>>>> = { 'zh-CN': zhCN, en }

/** Fill `{name}` placeholders. */
export function format(template: string, params?: MessageParams): string {
  if (!params) return template
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m))
}

/** The message for `key` in `lang`. */
export function render(lang: Lang, key: MessageKey, params?: MessageParams): string {
  // The types make a missing key impossible; data from an older cache could still name one.
  return format(CATALOGUES[lang][key] ?? key, params)
}

/** Whether a key built from data that crossed a wire (an error code from an older server) has a message. */
export function isMessageKey(key: string): key is MessageKey {
  return key in zhCN
}

/**
 * The catalogue key of an error code received over the wire. Every code the server raises has its
 * key (a type check); a code it does not know (a proxy's 502, a newer server) reads as the generic
 * text of its class rather than as a raw identifier.
 */
export function problemKey(code: string, status = 400): MessageKey {
  const key = `problem.${code}`
  if (isMessageKey(key)) return key
  return status === 0 ? 'problem.unavailable' : status >= 500 ? 'problem.internal' : 'problem.invalid'
}

/** Placeholders take scalars; structured params (a rota's gaps) are detail for the screen's own rendering. */
export function scalarParams(
  params: Readonly<Record<string, unknown>> | undefined,
): MessageParams | undefined {
  if (!params) return undefined
  const out: MessageParams = {}
  for (const [k, v] of Object.entries(params)) if (typeof v === 'string' || typeof v === 'number') out[k] = v
  return out
}
