import { useState } from 'preact/hooks'
import { api } from '../../api.ts'
import { errMsg, LoadState, useApi, when } from '../../components/data.tsx'
import { t, type MessageKey } from '../../i18n/index.ts'

type Status = 'draft' | 'reviewed' | 'reporting' | 'reported' | 'needs_update' | 'failed'
interface Registry {
  status: Status
  registerId: string | null
  attempts: { at: string; resultCode: number | null; httpStatus: number | null; message: string | null }[]
}
interface DryRun {
  body: Record<string, Record<string, unknown>>
  problems: { field: string; value: string }[]
  missing: string[]
}

const TONE: Record<Status, string> = {
  draft: 'tone-done',
  reviewed: 'tone-amber',
  reporting: 'tone-amber',
  reported: 'tone-green',
  needs_update: 'tone-red',
  failed: 'tone-red',
}

/**
 * The national platform on the QA drill-down: 待审核 → 已审核 → 已上报 (with the platform's id)
 * → 需更新 after a correction; review, report, and a dry run showing exactly what would be sent.
 */
export function RegistryPanel(props: { caseId: string }) {
  const l = useApi<Registry>(`/api/cases/${props.caseId}/registry`)
  const [dry, setDry] = useState<DryRun | null>(null)
  const [err, setErr] = useState<string | null>(null)
  const r = l.data
  if (!r) return <LoadState l={l} />
  const act = (path: string) => {
    setErr(null)
    api('POST', `/api/cases/${props.caseId}/registry/${path}`)
      .then(() => l.reload())
      .catch((e: unknown) => setErr(errMsg(e)))
  }
  const preview = () => {
    setErr(null)
    api<DryRun>('GET', `/api/cases/${props.caseId}/registry/dry-run`)
      .then(setDry)
      .catch((e: unknown) => setErr(errMsg(e)))
  }
  return (
    <div class="card" data-testid="registry-panel">
      <div class="row spread">
        <h3>{t('registry.title')}</h3>
        <span class={`chip ${TONE[r.status]}`} data-testid="registry-status">
          {t(`registry.status.${r.status}` as MessageKey)}
          {r.registerId && ` · ${r.registerId}`}
        </span>
      </div>
      <p class="row">
        {(r.status === 'draft' || r.status === 'needs_update' || r.status === 'failed') && (
          <button type="button" onClick={() => act('review')}>
            {t('registry.review')}
          </button>
        )}
        {r.status === 'reviewed' && (
          <button type="button" class="primary" onClick={() => act('report')}>
            {t('registry.report')}
          </button>
        )}
        <button type="button" onClick={preview}>
          {t('registry.dryRun')}
        </button>
      </p>
      {err && <p class="error">{err}</p>}
      {r.attempts.length > 0 && (
        <ul class="small">
          {r.attempts.map((a, i) => (
            <li key={i}>
              {when(a.at)} · {a.resultCode ?? a.httpStatus ?? '—'} {a.message ?? ''}
            </li>
          ))}
        </ul>
      )}
      {dry && (
        <div data-testid="registry-dry-run">
          {[...dry.missing, ...dry.problems.map((p) => p.field)].length > 0 && (
            <p class="error">
              {t('registry.missing', {
                fields: [...dry.missing, ...dry.problems.map((p) => p.field)].join(', '),
              })}
            </p>
          )}
          <pre class="scroll-x small">
            {JSON.stringify(
              dry.body,
              (k, v: unknown) =>
                k === 'ECG_IMAGE' && typeof v === 'string' && v.length > 40
                  ? `${v.slice(0, 16)}… (${v.length})`
                  : v,
              2,
            )}
          </pre>
        </div>
      )}
    </div>
  )
}
