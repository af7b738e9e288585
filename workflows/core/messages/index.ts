/**
 * The one message catalogue of Xinlian (Simplified Chinese first, English second). The core,
 * the server (errors, push, CSV headers, SMS / voice / WeCom texts) and the PWA all render from
 * here, so a term reads the same on the tablet, in the push and in the export. Keys are typed:
 * a key used anywhere but missing from a catalogue is a type error.
 */
import { en } from './en.ts'
import { zhCN, type MessageKey } from './zh-CN.ts'

export type { MessageKey }
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
  return format(CATALOGUES[lang][key], params)
}

/** Whether a dynamically built key (an event type, a rule, a reason) has a message. */
export function isMessageKey(key: string): key is MessageKey {
  return key in zhCN
}
