import { useEffect, useState } from 'preact/hooks'
import { api, ApiFailure } from '../api.ts'
import { problemText, t } from '../i18n/index.ts'

/**
 * `/readiness/:id` — opened from the readiness push at the start of an on-call slot (docs/admin-api.md):
 * opening it is the tap that proves this device receives alerts.
 */
export function ReadinessTap(props: { id: string }) {
  const [state, setState] = useState<string>('confirming') // 'confirming' | 'done' | an error message
  useEffect(() => {
    api('POST', `/api/push/readiness/${encodeURIComponent(props.id)}/ack`)
      .then(() => setState('done'))
      .catch((e: unknown) =>
        setState(e instanceof ApiFailure ? problemText(e.code, e.params, e.status) : String(e)),
      )
  }, [props.id])
  return (
    <main class="narrow" data-testid="readiness-tap">
      <h1>{t('readiness.title')}</h1>
      {state === 'confirming' && <p>{t('readiness.confirming')}</p>}
      {state === 'done' && <p class="ok">{t('readiness.done')}</p>}
      {state !== 'confirming' && state !== 'done' && (
        <p class="error" role="alert">
          {t('readiness.failed')} {state}
        </p>
      )}
    </main>
  )
}
