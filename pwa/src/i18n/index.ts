import {
  CATALOGUES,
  format,
  isMessageKey,
  problemKey,
  render,
  scalarParams,
  type KeyOf,
  type Lang,
  type MessageKey,
} from '../../../workflows/core/messages/index.ts'

export type { KeyOf, Lang, MessageKey }
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

/**
 * The message for `key` in the current language. Keys are typed: dynamic ones are built from
 * typed values (`t(`drug.${drug}`)` with `drug: LysisDrug`), so there is no untyped fallback.
 */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  return render(current, key, params)
}

/** An API error in the current language: the catalogue's `problem.<code>` with its params. */
export function problemText(
  code: string,
  params?: Readonly<Record<string, unknown>>,
  status?: number,
): string {
  return t(problemKey(code, status), scalarParams(params))
}

/**
 * Narrow a value that crossed a wire (event data, an older cache) before building its key:
 * `hasKey('dx', d.diagnosis)` makes `t(`dx.${d.diagnosis}`)` type-check. The caller decides what
 * an unknown value shows; there is no silent fallback to the raw key.
 */
export function hasKey<P extends string>(prefix: P, v: unknown): v is KeyOf<P> {
  return typeof v === 'string' && isMessageKey(`${prefix}.${v}`)
}

/** A drug's name; a drug the catalogue does not know (an old record) as it was typed. */
export function drugName(drug: unknown): string {
  return hasKey('drug', drug) ? t(`drug.${drug}`) : typeof drug === 'string' ? drug : ''
}

/** Both languages at once (service-worker notifications, which cannot read the page's choice). */
export function bilingual(key: MessageKey, params?: Record<string, string | number>): string {
  return `${format(CATALOGUES['zh-CN'][key], params)} · ${format(CATALOGUES.en[key], params)}`
}

/** An API error in both languages (the service worker's notification after a refused approval). */
export function bilingualProblem(
  code: string,
  params?: Readonly<Record<string, unknown>>,
  status?: number,
): string {
  return bilingual(problemKey(code, status), scalarParams(params))
}

/** A server message in the current language ({zh,en} or message/messageZh). */
export function pick(m: { zh?: string; en?: string } | undefined | null): string {
  if (!m) return ''
  return (current === 'en' ? m.en : m.zh) ?? m.en ?? m.zh ?? ''
}
