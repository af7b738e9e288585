import { useState } from 'preact/hooks'
import { api, local, type CaseSummary, type CaseView } from '../api.ts'
import { useBus } from '../bus.ts'
import { Countdown } from '../components/ui.tsx'
import { t } from '../i18n/index.ts'
import { facilityName, outbox, session } from '../store.ts'

const sexLabel = (s: string) => (s === 'female' ? t('start.female') : t('start.male'))

/** Township / village home: the active cases (server + started offline) and "start protocol". */
export function Home() {
  const [cases, setCases] = useState<CaseSummary[]>(() => local.get<CaseSummary[]>('cases') ?? [])
  const [offlineCases, setOfflineCases] = useState<CaseSummary[]>([])
  useBus(['cases'], () => {
    api<{ cases: CaseSummary[] }>('GET', '/api/cases?status=active')
      .then((r) => {
        setCases(r.cases)
        local.set('cases', r.cases)
      })
      .catch(() => undefined)
  })
  useBus(['outbox'], () => {
    void outbox.pending().then((items) =>
      setOfflineCases(
        items
          .filter((i) => i.kind === 'case')
          .map((i) => local.get<CaseView>('case.' + i.caseId))
          .filter((v): v is CaseView => v !== null)
          .map((v) => ({ ...v, updatedAt: v.createdAt })),
      ),
    )
  })
  const known = new Set(cases.map((c) => c.id))
  const all = [...offlineCases.filter((c) => !known.has(c.id)), ...cases]
  const fid = session.user?.facilityIds[0]
  return (
    <main>
      <div class="row spread">
        <h1>{t('home.title')}</h1>
        {fid && <span class="muted">{t('home.facility', { name: facilityName(fid) })}</span>}
      </div>
      <a class="btn primary big block" href="/cases/new" data-testid="start-protocol">
        {t('home.start')}
      </a>
      {all.length === 0 && <p class="muted">{t('home.empty')}</p>}
      <ul class="cases">
        {all.map((c) => {
          const next = c.deadlines
            .filter((d) => d.status === 'pending')
            .sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt))[0]
          return (
            <li key={c.id}>
              <a class="case-row" href={`/cases/${c.id}`}>
                <strong>
                  {sexLabel(c.patient.sex)} {c.patient.age}
                  {c.patient.name ? ` · ${c.patient.name}` : ''}
                </strong>
                <span class="phase">{t(`phase.${c.phase}`)}</span>
                <span class="muted">{facilityName(c.facilityId)}</span>
                {offlineCases.some((o) => o.id === c.id) && <em class="unsynced">{t('case.unsynced')}</em>}
                {next && <Countdown d={next} />}
              </a>
            </li>
          )
        })}
      </ul>
    </main>
  )
}
