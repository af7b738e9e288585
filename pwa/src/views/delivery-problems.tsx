/**
 * The alerts that failed to reach someone (no working channel, a vendor error, a per-number
 * cap), for the people who can act on them (docs/alert-channels.md): the network admin (on the
 * channels screen) and the second-line cardiologist (in the consult inbox). The API answers 403
 * to anyone else; then this renders nothing, so the township tablet never shows it.
 */
import { problemText, type DeliveryProblem } from '../../../workflows/core/receipts.ts'
import { useApi, when } from '../components/data.tsx'
import { lang, t } from '../i18n/index.ts'

interface ProblemRow extends DeliveryProblem {
  caseId: string
  facilityName: string
  template: string
  at: string
  answers?: string[]
}

export function DeliveryProblems(props: { quiet?: boolean }) {
  const l = useApi<{ problems: ProblemRow[] }>('/api/delivery-problems')
  const problems = l.data?.problems ?? []
  // In the inbox: nothing when there is nothing to act on (or the reader may not see it).
  if (props.quiet && !problems.length) return null
  if (!l.data) return null
  return (
    <div class="card" data-testid="delivery-problems">
      <h3>
        {t('adminChannels.problems.title')}{' '}
        <span class={`chip ${problems.length ? 'danger' : ''}`} data-testid="delivery-problems-count">
          {problems.length}
        </span>
      </h3>
      {!problems.length && <p class="muted">{t('adminChannels.problems.none')}</p>}
      <ul>
        {problems.map((p) => (
          <li key={`${p.alertId ?? ''}-${p.userId}`} data-testid="delivery-problem">
            <a href={`/cases/${p.caseId}`}>
              {when(p.at)} · {p.facilityName}
            </a>{' '}
            {problemText(lang(), p)}
            {p.answers?.length ? <span class="muted small"> ({p.answers.join(', ')})</span> : null}
          </li>
        ))}
      </ul>
    </div>
  )
}
