import { useEffect, useState } from 'preact/hooks'
import { api, ApiFailure } from '../api.ts'
import { lang, problemText, t } from '../i18n/index.ts'

/** A server error in the reader's language: the catalogue's `problem.<code>` with its params. */
export function errMsg(e: unknown): string {
  if (!(e instanceof ApiFailure)) return t('common.error', { m: String(e) })
  if (e.status === 0) return t('data.offline')
  return problemText(e.code, e.params, e.status)
}

export interface Loaded<T> {
  data: T | null
  error: unknown
  loading: boolean
  reload: () => void
}

/** GET `path` (null = wait) and keep the answer; `reload()` fetches again. */
export function useApi<T>(path: string | null): Loaded<T> {
  const [data, setData] = useState<T | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [loading, setLoading] = useState(path !== null)
  const [n, setN] = useState(0)
  useEffect(() => {
    if (path === null) return
    let live = true
    setLoading(true)
    api<T>('GET', path)
      .then((d) => {
        if (!live) return
        setData(d)
        setError(null)
      })
      .catch((e: unknown) => live && setError(e))
      .finally(() => live && setLoading(false))
    return () => {
      live = false
    }
  }, [path, n])
  return { data, error, loading, reload: () => setN((x) => x + 1) }
}

/** Rota gaps a guard reports (`rota_gap`): when and how long nobody is first-line. */
const gapsOf = (e: ApiFailure): { from: string; to: string }[] =>
  Array.isArray(e.params.gaps) ? (e.params.gaps as { from: string; to: string }[]) : []

export const when = (iso: string): string =>
  new Date(iso).toLocaleString(lang() === 'en' ? 'en-GB' : 'zh-CN', {
    month: 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  })

/**
 * An API refusal shown plainly: the server's bilingual message, the field it names, the rota gaps
 * it would open, and "do it anyway" where the API allows forcing (`rota_gap`).
 */
export function ErrorBox(props: { error: unknown; onForce?: (() => void) | undefined }) {
  const e = props.error
  if (!e) return null
  const guard = e instanceof ApiFailure && e.status === 422
  const gaps = e instanceof ApiFailure ? gapsOf(e) : []
  const field = e instanceof ApiFailure ? (e.field ?? null) : null
  return (
    <div class="receipt bad guard" role="alert" data-testid="error-box">
      <p class="guard-msg">
        {guard && <strong>{t('data.refused')} </strong>}
        {errMsg(e)}
      </p>
      {field && <p class="small">{t('data.field', { f: field })}</p>}
      {gaps.length > 0 && (
        <ul class="small">
          {gaps.slice(0, 8).map((g) => (
            <li key={g.from}>{t('rota.gapRange', { from: when(g.from), to: when(g.to) })}</li>
          ))}
        </ul>
      )}
      {props.onForce && e instanceof ApiFailure && e.code === 'rota_gap' && (
        <button class="btn danger" data-testid="force" onClick={props.onForce}>
          {t('data.force')}
        </button>
      )}
    </div>
  )
}

/** "Loading…", the error, or nothing. */
export function LoadState(props: { l: Loaded<unknown> }) {
  if (props.l.error)
    return (
      <div>
        <ErrorBox error={props.l.error} />
        <button class="btn" onClick={props.l.reload}>
          {t('common.retry')}
        </button>
      </div>
    )
  if (props.l.loading && !props.l.data) return <p class="muted">{t('case.loading')}</p>
  return null
}

/** Copy text to the clipboard; false when the browser refuses (the text stays selectable). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    return false
  }
}

/** Sub-navigation of a section (admin, QA): links with the current one marked. */
export function Tabs(props: { tabs: [string, string][]; current: string }) {
  return (
    <nav class="tabs" aria-label={t('data.sections')}>
      {props.tabs.map(([href, label]) => (
        <a
          key={href}
          href={href}
          class={`tab ${props.current === href ? 'current' : ''}`}
          aria-current={props.current === href ? 'page' : undefined}
        >
          {label}
        </a>
      ))}
    </nav>
  )
}
