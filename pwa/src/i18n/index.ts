import { en } from '../../../workflows/core/messages/en.ts'
import { CATALOGUES, format, type Lang, type MessageKey } from '../../../workflows/core/messages/index.ts'
import { zhCN } from '../../../workflows/core/messages/zh-CN.ts'

export type { Lang, MessageKey }
export { format }
const STORAGE_KEY = 'xl.lang'

function initialLang(): Lang {
  try {
    return globalThis.localStorage?.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh-CN'
  } catch {
    return 'zh-CN'
  }
}

let current: Lang = initialLang()
const listeners = new Set<() => void>()

export const lang = (): Lang => current

/** Switch language, persist it, and re-render whoever listens (the app root). */
export function setLang(l: Lang): void {
  current = l
  try {
    localStorage.setItem(STORAGE_KEY, l)
  } catch {
    // Private mode: the switch still works for this session.
  }
  document.documentElement.lang = l
  listeners.forEach((f) => f())
}

export function onLangChange(f: () => void): () => void {
  listeners.add(f)
  return () => listeners.delete(f)
}

/** The message for `key` in the current language. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  return format(CATALOGUES[current][key], params)
}

/** Key lookup for dynamic keys (event types, rules): falls back to the raw key. */
export function tk(key: string, params?: Record<string, string | number>): string {
  const cat = CATALOGUES[current] as Record<string, string>
  return key in cat ? format(cat[key]!, params) : key
}

/** Both languages at once (service-worker notifications, which cannot read the page's choice). */
export function bilingual(key: MessageKey): string {
  return `${zhCN[key]} · ${en[key]}`
}

/** A server message in the current language ({zh,en} or message/messageZh). */
export function pick(m: { zh?: string; en?: string } | undefined | null): string {
  if (!m) return ''
  return (current === 'en' ? m.en : m.zh) ?? m.en ?? m.zh ?? ''
}
