import { useState } from 'preact/hooks'
import { api, local } from '../api.ts'
import { useBus, useNow } from '../bus.ts'
import { clock, hhmm } from '../clinical.ts'
import { t, hasKey } from '../i18n/index.ts'
import { recordEvent } from '../store.ts'

interface Incoming {
  id: string
  patient: { sex: 'male' | 'female'; age: number }
  from: { facilityId: string; name: string | null }
  diagnosis: string | null
  strategy: string | null
  lysedAt: string | null
  departedAt: string
  etaAt: string | null
  etaSource: string
  cathLab: { activatedAt: string | null; readyAt: string | null }
}

/**
 * The incoming board (cath lab phone, county ED, a wall monitor): every patient on the way to
 * the county, the expected arrival counting down, and one tap for "cath lab ready".
 */
export function IncomingBoard() {
  const [cases, setCases] = useState<Incoming[]>(() => local.get<Incoming[]>('incoming') ?? [])
  const [tapped, setTapped] = useState<Record<string, string>>({})
  const now = useNow(1000)
  useBus(['cases', 'resync'], () => {
    api<{ cases: Incoming[] }>('GET', '/api/incoming')
      .then((r) => {
        setCases(r.cases)
        local.set('incoming', r.cases)
      })
      .catch(() => undefined)
  })
  const tap = (c: Incoming, type: 'cath_lab_activated' | 'cath_lab_ready') => {
    setTapped((m) => ({ ...m, [c.id + type]: new Date(now).toISOString() }))
    void recordEvent(c.id, type)
  }
  return (
    <main class="incoming">
      <h1>{t('app.incoming.title')}</h1>
      {cases.length === 0 && <p class="muted">{t('app.incoming.none')}</p>}
      <ul class="incoming-list">
        {cases.map((c) => {
          const eta = c.etaAt ? Date.parse(c.etaAt) : null
          const activatedAt = c.cathLab.activatedAt ?? tapped[c.id + 'cath_lab_activated'] ?? null
          const readyAt = c.cathLab.readyAt ?? tapped[c.id + 'cath_lab_ready'] ?? null
          return (
            <li key={c.id} class="card incoming-row" data-testid="incoming-row" data-case={c.id}>
              <div class="incoming-main">
                <strong>
                  {t('case.patient', {
                    sex: c.patient.sex === 'female' ? t('start.female') : t('start.male'),
                    age: c.patient.age,
                  })}
                </strong>
                <span>{t('app.incoming.from', { name: c.from.name ?? '' })}</span>
                <span>
                  {c.diagnosis && hasKey('dx', c.diagnosis) ? t(`dx.${c.diagnosis}`) : ''}
                  {c.strategy && hasKey('strategy', c.strategy) ? ` · ${t(`strategy.${c.strategy}`)}` : ''}
                  {c.lysedAt ? ` · ${t('app.incoming.lysed', { time: hhmm(c.lysedAt) })}` : ''}
                </span>
                <span class="muted">
                  {t('app.incoming.departed', { time: hhmm(c.departedAt) })}
                  {c.etaAt ? ` · ${t('app.incoming.eta', { time: hhmm(c.etaAt) })}` : ''}
                </span>
              </div>
              <div
                class={`incoming-eta ${eta !== null && now > eta ? 'tone-red' : 'tone-amber'}`}
                data-testid="incoming-eta"
                role="timer"
              >
                {eta === null
                  ? t('app.incoming.etaUnknown')
                  : now <= eta
                    ? t('app.incoming.etaIn', { t: clock(eta - now) })
                    : t('app.incoming.etaOver', { t: clock(now - eta) })}
              </div>
              <div class="incoming-lab">
                <span class={activatedAt ? 'ok' : 'muted'}>
                  {activatedAt
                    ? t('app.incoming.activated', { time: hhmm(activatedAt) })
                    : t('app.incoming.notActivated')}
                </span>
                {readyAt ? (
                  <span class="receipt ok" data-testid="incoming-ready-at">
                    {t('app.incoming.readyAt', { time: hhmm(readyAt) })}
                  </span>
                ) : activatedAt ? (
                  <button
                    class="btn ok big"
                    data-testid="incoming-ready"
                    onClick={() => tap(c, 'cath_lab_ready')}
                  >
                    {t('app.incoming.ready')}
                  </button>
                ) : (
                  <button
                    class="btn big"
                    data-testid="incoming-activate"
                    onClick={() => tap(c, 'cath_lab_activated')}
                  >
                    {t('app.incoming.activate')}
                  </button>
                )}
                <a class="btn" href={`/cases/${c.id}`}>
                  {t('app.incoming.open')}
                </a>
              </div>
            </li>
          )
        })}
      </ul>
    </main>
  )
}
