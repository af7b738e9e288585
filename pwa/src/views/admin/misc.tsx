import { useEffect, useState } from 'preact/hooks'
import { api, ApiFailure } from '../../api.ts'
import { ErrorBox, LoadState, useApi, when } from '../../components/data.tsx'
import { t, type KeyOf } from '../../i18n/index.ts'
import { CodeCard } from './users.tsx'

interface Settings {
  network: { id: string; name: string; nameEn: string | null }
  settings: { checklist: 'cn' | 'esc'; expectedDoorToWireMinutes: number; timezone: string }
}

/** Network name, thrombolysis checklist variant, expected county door-to-wire, time zone. */
export function SettingsPage() {
  const l = useApi<Settings>('/api/admin/settings')
  const [form, setForm] = useState<Settings | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [saved, setSaved] = useState(false)
  useEffect(() => setForm(l.data), [l.data])
  if (!form) return <LoadState l={l} />
  const s = form.settings
  const set = (p: Partial<Settings['settings']>) => setForm({ ...form, settings: { ...s, ...p } })
  const save = async (e: Event) => {
    e.preventDefault()
    setError(null)
    setSaved(false)
    try {
      await api('PATCH', '/api/admin/settings', {
        name: form.network.name,
        nameEn: form.network.nameEn || null,
        checklist: s.checklist,
        expectedDoorToWireMinutes: s.expectedDoorToWireMinutes,
        timezone: s.timezone,
      })
      setSaved(true)
      l.reload()
    } catch (err) {
      setError(err)
    }
  }
  return (
    <section>
      <h2>{t('settings.title')}</h2>
      <form class="card" onSubmit={(e) => void save(e)}>
        <div class="row wrap">
          <label class="field">
            <span>{t('settings.name')}</span>
            <input
              required
              value={form.network.name}
              onInput={(e) => setForm({ ...form, network: { ...form.network, name: e.currentTarget.value } })}
            />
          </label>
          <label class="field">
            <span>{t('settings.nameEn')}</span>
            <input
              value={form.network.nameEn ?? ''}
              onInput={(e) =>
                setForm({ ...form, network: { ...form.network, nameEn: e.currentTarget.value } })
              }
            />
          </label>
        </div>
        <fieldset class="field">
          <legend>{t('settings.checklist')}</legend>
          {(['cn', 'esc'] as const).map((c) => (
            <label key={c} class="check">
              <input
                type="radio"
                name="checklist"
                checked={s.checklist === c}
                onChange={() => set({ checklist: c })}
              />
              <span>{t(`settings.checklist.${c}`)}</span>
            </label>
          ))}
        </fieldset>
        <div class="row wrap">
          <label class="field">
            <span>{t('settings.d2w')}</span>
            <input
              type="number"
              min={10}
              max={240}
              required
              value={s.expectedDoorToWireMinutes}
              onInput={(e) => set({ expectedDoorToWireMinutes: Number(e.currentTarget.value) })}
            />
          </label>
          <label class="field">
            <span>{t('settings.timezone')}</span>
            <input required value={s.timezone} onInput={(e) => set({ timezone: e.currentTarget.value })} />
          </label>
        </div>
        <p class="muted small">{t('settings.d2wHint')}</p>
        <ErrorBox error={error} />
        {saved && (
          <p class="receipt ok" role="status">
            {t('settings.saved')}
          </p>
        )}
        <button class="btn primary" type="submit">
          {t('common.save')}
        </button>
      </form>
    </section>
  )
}

type FileKey = 'facilities' | 'travel' | 'users'
interface ImportReport {
  dryRun: boolean
  valid: boolean
  summary: Record<FileKey, { create: number; reject: number }>
  rows: { file: FileKey; line: number; ref: string; action: 'create' | 'reject'; errors: string[] }[]
  created?: {
    facilities: { key: string; id: string }[]
    travelPairs: number
    users: { username: string; id: string; oneTimeCode: string; codeExpiresAt: string }[]
  }
}

const FILES: FileKey[] = ['facilities', 'travel', 'users']

/** CSV import: pick the files, dry run (every row: created or rejected and why), then commit. */
export function ImportPage() {
  const [texts, setTexts] = useState<Record<FileKey, string>>({ facilities: '', travel: '', users: '' })
  const [report, setReport] = useState<ImportReport | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const body = () => Object.fromEntries(FILES.filter((f) => texts[f].trim()).map((f) => [f, texts[f]]))
  const run = async (dryRun: boolean) => {
    setBusy(true)
    setError(null)
    try {
      setReport(await api<ImportReport>('POST', `/api/admin/import?dryRun=${dryRun ? 1 : 0}`, body()))
    } catch (e) {
      if (e instanceof ApiFailure && e.params.report) setReport(e.params.report as ImportReport)
      setError(e)
    } finally {
      setBusy(false)
    }
  }
  const edit = (f: FileKey, v: string) => {
    setTexts({ ...texts, [f]: v })
    setReport(null)
  }
  return (
    <section>
      <h2>{t('import.title')}</h2>
      <p class="muted small">{t('import.hint')}</p>
      <div class="import-grid">
        {FILES.map((f) => (
          <div key={f} class="card">
            <div class="row spread">
              <h3>{t(`import.file.${f}`)}</h3>
              <label class="btn file">
                {t('import.pick')}
                <input
                  type="file"
                  accept=".csv,text/csv"
                  data-testid={`import-file-${f}`}
                  onChange={(e) => {
                    const file = e.currentTarget.files?.[0]
                    if (file) void file.text().then((s) => edit(f, s))
                  }}
                />
              </label>
            </div>
            <textarea
              rows={6}
              class="mono"
              aria-label={t(`import.file.${f}`)}
              placeholder={t(`import.cols.${f}`)}
              value={texts[f]}
              onInput={(e) => edit(f, e.currentTarget.value)}
            />
          </div>
        ))}
      </div>
      <div class="row wrap">
        <button
          class="btn primary"
          disabled={busy || Object.keys(body()).length === 0}
          onClick={() => void run(true)}
        >
          {t('import.dryRun')}
        </button>
        <button
          class="btn ok"
          disabled={busy || !report?.dryRun || !report.valid}
          onClick={() => void run(false)}
          data-testid="import-commit"
        >
          {t('import.commit')}
        </button>
      </div>
      <ErrorBox error={error} />
      {report && (
        <div class="card" data-testid="import-report">
          <p class={`receipt ${report.valid ? 'ok' : 'bad'}`}>
            {report.created ? t('import.done') : report.valid ? t('import.valid') : t('import.invalid')}
          </p>
          <ul>
            {FILES.map((f) => (
              <li key={f}>
                {t(`import.file.${f}`)}:{' '}
                {t('import.counts', { c: report.summary[f]?.create ?? 0, r: report.summary[f]?.reject ?? 0 })}
              </li>
            ))}
          </ul>
          {report.created?.users.map((u) => (
            <CodeCard key={u.id} username={u.username} code={u.oneTimeCode} expiresAt={u.codeExpiresAt} />
          ))}
          <div class="scroll-x">
            <table class="grid-table">
              <thead>
                <tr>
                  <th>{t('import.file')}</th>
                  <th>{t('import.line')}</th>
                  <th>{t('import.ref')}</th>
                  <th>{t('import.action')}</th>
                  <th>{t('import.why')}</th>
                </tr>
              </thead>
              <tbody>
                {report.rows.map((r) => (
                  <tr key={`${r.file}${r.line}`} class={r.action === 'reject' ? 'bad-row' : ''}>
                    <td>{t(`import.file.${r.file}`)}</td>
                    <td>{r.line}</td>
                    <td>{r.ref}</td>
                    <td>{t(`import.act.${r.action}`)}</td>
                    <td>{r.errors.join('; ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  )
}

interface Readiness {
  userId: string
  username: string
  displayName: string
  active: boolean
  subscriptions: number
  lastSuccessAt: string | null
  lastFailureAt: string | null
  onCallNow: 'first' | 'second' | null
  nextSlotAt: string | null
  lastTapAt: string | null
  problem: 'no_subscription' | 'push_failed' | 'no_tap' | null
}

/** Can each cardiologist be reached? Push subscriptions, last delivery, on call now, next slot. */
export function ReadinessPage() {
  const l = useApi<{ cardiologists: Readiness[] }>('/api/admin/readiness')
  return (
    <section>
      <h2>{t('ready.title')}</h2>
      <LoadState l={l} />
      <div class="scroll-x">
        <table class="grid-table">
          <thead>
            <tr>
              <th>{t('ready.who')}</th>
              <th>{t('ready.onCall')}</th>
              <th>{t('ready.devices')}</th>
              <th>{t('ready.lastOk')}</th>
              <th>{t('ready.lastFail')}</th>
              <th>{t('ready.lastTap')}</th>
              <th>{t('ready.problem')}</th>
              <th>{t('ready.next')}</th>
            </tr>
          </thead>
          <tbody>
            {(l.data?.cardiologists ?? []).map((c) => {
              const failing = c.lastFailureAt && (!c.lastSuccessAt || c.lastFailureAt > c.lastSuccessAt)
              const bad = c.active && (c.subscriptions === 0 || failing || (c.onCallNow && c.problem))
              return (
                <tr key={c.userId} class={bad ? 'bad-row' : ''} data-testid="readiness-row">
                  <th scope="row">
                    {c.displayName} <span class="muted small">@{c.username}</span>
                    {!c.active && <span class="chip">{t('users.inactive')}</span>}
                  </th>
                  <td>
                    {c.onCallNow ? (
                      <span class={`chip ${c.onCallNow}`}>{t(`rota.${c.onCallNow}`)}</span>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>
                    {c.subscriptions === 0 ? (
                      <strong class="error">{t('ready.none')}</strong>
                    ) : (
                      c.subscriptions
                    )}
                  </td>
                  <td>{c.lastSuccessAt ? when(c.lastSuccessAt) : '—'}</td>
                  <td>
                    {c.lastFailureAt ? (
                      <span class={failing ? 'error' : ''}>{when(c.lastFailureAt)}</span>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>{c.lastTapAt ? when(c.lastTapAt) : '—'}</td>
                  <td>
                    {c.problem ? <strong class="error">{t(`ready.problem.${c.problem}`)}</strong> : '—'}
                  </td>
                  <td>{c.nextSlotAt ? when(c.nextSlotAt) : '—'}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
    </section>
  )
}

interface AuditEntry {
  id: string
  at: string
  action: KeyOf<'action'>
  entity: string
  entityId: string
  actorId: string | null
  actorUsername: string | null
  before: unknown
  after: unknown
  device: string | null
}

const ENTITIES: readonly ('' | KeyOf<'entity'>)[] = [
  '',
  'facility',
  'travel',
  'user',
  'rota',
  'rota_template',
  'network',
  'case',
  'attachment',
  'audit_sample',
  'qa_grant',
]

/** What changed between before and after (top-level keys), for a one-line summary. */
function changes(before: unknown, after: unknown): string {
  const b = (before ?? {}) as Record<string, unknown>
  const a = (after ?? {}) as Record<string, unknown>
  if (typeof b !== 'object' || typeof a !== 'object') return ''
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter(
    (k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]),
  )
  const show = (v: unknown) => (v === undefined ? '∅' : JSON.stringify(v).slice(0, 60))
  return keys
    .slice(0, 6)
    .map((k) => (before ? `${k}: ${show(b[k])} → ${show(a[k])}` : `${k}: ${show(a[k])}`))
    .join(' · ')
}

/** The audit trail of admin changes (and, for QA, case reads): who, when, before → after. */
export function AuditPage() {
  const [entity, setEntity] = useState('')
  const l = useApi<{ entries: AuditEntry[] }>(
    `/api/admin/audit?limit=300${entity ? `&entity=${entity}` : ''}`,
  )
  const [open, setOpen] = useState<string | null>(null)
  return (
    <section>
      <div class="row spread">
        <h2>{t('audit.title')}</h2>
        <label class="field inline">
          <span>{t('audit.entity')}</span>
          <select value={entity} onChange={(e) => setEntity(e.currentTarget.value)}>
            {ENTITIES.map((x) => (
              <option key={x} value={x}>
                {x ? t(`entity.${x}`) : t('audit.all')}
              </option>
            ))}
          </select>
        </label>
      </div>
      <LoadState l={l} />
      <ul class="timeline audit">
        {(l.data?.entries ?? []).map((e) => (
          <li key={e.id} data-testid="audit-entry">
            <time>{when(e.at)}</time>
            <div class="grow">
              <strong>{t(`action.${e.action}`)}</strong>{' '}
              <span class="muted">
                {e.actorUsername ?? '—'}
                {e.device ? ` · ${e.device.slice(0, 40)}` : ''}
              </span>
              <div class="small">{changes(e.before, e.after)}</div>
              {open === e.id ? (
                <pre class="mono small">{JSON.stringify({ before: e.before, after: e.after }, null, 1)}</pre>
              ) : (
                <button class="btn" onClick={() => setOpen(e.id)}>
                  {t('audit.details')}
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
    </section>
  )
}
