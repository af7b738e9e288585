import { useState } from 'preact/hooks'
import { api, ApiFailure, local, type CaseSummary, type ConsultSummary } from '../api.ts'
import { useBus, useNow } from '../bus.ts'
import { clock } from '../clinical.ts'
import { t } from '../i18n/index.ts'
import { DeliveryProblems } from './delivery-problems.tsx'
import { NotifyPrompt } from './notifications.tsx'

/** The cardiologist's inbox (phone): open consults with how long each has been waiting. */
export function ConsultInbox() {
  const [items, setItems] = useState<ConsultSummary[]>(() => local.get<ConsultSummary[]>('consults') ?? [])
  const now = useNow(1000)
  useBus(['cases', 'alert'], () => {
    api<ConsultSummary[] | { consults: ConsultSummary[] }>('GET', '/api/consults?status=open')
      .then((r) => (Array.isArray(r) ? r : r.consults))
      .catch(async (e: unknown) => {
        // Before the consult inbox endpoint exists, cases waiting for a read stand in for it.
        if (!(e instanceof ApiFailure) || e.status !== 404) throw e
        const r = await api<{ cases: (CaseSummary & { facilityName?: string; fmcAt?: string })[] }>(
          'GET',
          '/api/cases?status=active',
        )
        return r.cases
          .filter((c) => c.phase === 'awaiting_read' || c.phase === 'awaiting_lysis_decision')
          .map((c) => ({
            caseId: c.id,
            openedAt: c.updatedAt,
            patient: c.patient,
            facilityName: c.facilityName ?? '',
            attachmentId: null,
            acknowledgedAt: null,
          }))
      })
      .then((list) => {
        setItems(list)
        local.set('consults', list)
      })
      .catch(() => undefined)
  })
  return (
    <main>
      <h1>{t('consults.title')}</h1>
      <NotifyPrompt compact />
      <DeliveryProblems quiet />
      {items.length === 0 && <p class="muted">{t('consults.empty')}</p>}
      <ul class="cases">
        {[...items]
          .sort((a, b) => Date.parse(a.openedAt) - Date.parse(b.openedAt))
          .map((c) => {
            const waited = now - Date.parse(c.openedAt)
            return (
              <li key={c.caseId}>
                <a
                  class={`case-row ${c.acknowledgedAt ? '' : 'unread'}`}
                  href={`/consults/${c.caseId}`}
                  data-testid="consult-row"
                >
                  <strong>
                    {c.patient.sex === 'female' ? t('start.female') : t('start.male')} {c.patient.age}
                  </strong>
                  <span>{c.facilityName}</span>
                  <span
                    class={`waiting ${waited > 10 * 60_000 ? 'tone-red' : waited > 3 * 60_000 ? 'tone-amber' : 'tone-green'}`}
                  >
                    {t('consults.waiting', { t: clock(waited) })}
                  </span>
                  {c.acknowledgedAt && <span class="muted">{t('consults.acknowledged')}</span>}
                </a>
              </li>
            )
          })}
      </ul>
    </main>
  )
}
