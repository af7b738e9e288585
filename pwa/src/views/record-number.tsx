import { useState } from 'preact/hooks'
import { api } from '../api.ts'
import { useBus } from '../bus.ts'
import { hhmm } from '../clinical.ts'
import { ErrorBox, useApi } from '../components/data.tsx'
import { t } from '../i18n/index.ts'

interface RecordNumberData {
  recordNumber: string | null
  canEdit: boolean
  history: { at: string; byName: string | null; old: string | null; new: string | null }[]
}

/**
 * The hospital's record number (病案号/门诊号) with its change history: on the case screen and in
 * QA's drill-down. An audited update, not a clinical event (workflows/runtime/record-number.ts).
 */
export function RecordNumberPanel(props: { caseId: string }) {
  const l = useApi<RecordNumberData>(`/api/cases/${props.caseId}/record-number`)
  useBus(['case:' + props.caseId], () => l.reload())
  const [editing, setEditing] = useState(false)
  const [value, setValue] = useState('')
  const [error, setError] = useState<unknown>(null)
  const d = l.data
  if (!d) return null
  const none = t('app.township.recordNumberNone')
  const save = async (e: Event) => {
    e.preventDefault()
    setError(null)
    try {
      await api('PUT', `/api/cases/${props.caseId}/record-number`, { recordNumber: value.trim() || null })
      setEditing(false)
      l.reload()
    } catch (x) {
      setError(x)
    }
  }
  return (
    <div class="record-number" data-testid="record-number">
      <span>
        {t('app.township.recordNumber')}:{' '}
        <strong data-testid="record-number-value">{d.recordNumber ?? none}</strong>
      </span>
      {d.canEdit && !editing && (
        <button
          class="btn"
          data-testid="record-number-edit"
          onClick={() => {
            setValue(d.recordNumber ?? '')
            setEditing(true)
          }}
        >
          {t('app.township.recordNumberEdit')}
        </button>
      )}
      {editing && (
        <form class="row" onSubmit={(e) => void save(e)}>
          <input
            aria-label={t('app.township.recordNumber')}
            data-testid="record-number-input"
            maxLength={40}
            value={value}
            onInput={(e) => setValue(e.currentTarget.value)}
          />
          <button class="btn primary" type="submit" data-testid="record-number-save">
            {t('app.township.recordNumberSave')}
          </button>
          <button class="btn" type="button" onClick={() => setEditing(false)}>
            {t('time.cancel')}
          </button>
        </form>
      )}
      <ErrorBox error={error} />
      {d.history.length > 0 && (
        <details data-testid="record-number-history">
          <summary>
            {t('app.township.recordNumberHistory')} ({d.history.length})
          </summary>
          <ul>
            {d.history.map((h, i) => (
              <li key={i}>
                {t('app.township.recordNumberChange', {
                  old: h.old ?? none,
                  new: h.new ?? none,
                  name: h.byName ?? '',
                  time: hhmm(h.at),
                })}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  )
}
