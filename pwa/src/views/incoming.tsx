import { useState } from 'preact/hooks'
import { api, local } from '../api.ts'
import { useBus, useNow } from '../bus.ts'
import { clock, hhmm } from '../clinical.ts'
import { t, hasKey } from '../i18n/index.ts'
import { hasRole, recordEvent } from '../store.ts'

interface Incoming {
  id: string
  patient: { sex: 'male' | 'female'; age: number }
  from: { facilityId: string; name: string | null }
  diagnosis: string | null
  strategy: string | null
  lysedAt: string | null
  departedAt: string
  etaAt: string | null
  etaSource: 'position' | 'travel_matrix'
  uncertaintyMinutes: number | null
  lastPosition: { at: string; accuracyM: number } | null
  cathLab: { activatedAt: string | null; readyAt: string | null }
}

/**
 * The incoming board (cath lab phone, county ED, a wall monitor): every patient on the way to
 * the county, the expected arrival counting down, and one tap for "cath lab ready".
 */
export function IncomingBoard() {
  const [cases, setCases] = useState<Incoming[]>(() => local.get<Incoming[]>('incoming') ?? [])
  const [tapped, setTapped] = useState<Record<string, string>>({})
  const [asking, setAsking] = useState<string | null>(null)
  const [reason, setReason] = useState('')
  const now = useNow(1000)
  useBus(['cases', 'resync'], () => {
    api<{ cases: Incoming[] }>('GET', '/api/incoming')
      .then((r) => {
        setCases(r.cases)
        local.set('incoming', r.cases)
      })
      .catch(() => undefined)
  })
  const tap = (
    c: Incoming,
    type: 'cath_lab_activated' | 'cath_lab_ready',
    data: Record<string, unknown> = {},
  ) => {
    setTapped((m) => ({ ...m, [c.id + type]: new Date(now).toISOString() }))
    setAsking(null)
    setReason('')
    void recordEvent(c.id, type, data)
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
              <EtaLine c={c} now={now} activated={activatedAt !== null} />
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
                  <Activate
                    c={c}
                    asking={asking === c.id}
                    reason={reason}
                    onReason={setReason}
                    onAsk={() => setAsking(c.id)}
                    onActivate={(data) => tap(c, 'cath_lab_activated', data)}
                  />
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

/**
 * "预计 18 分钟到达 · 导管室未激活", counting down, with how the estimate was made: the age of the
 * vehicle's last position and its error (core/eta.ts), or that it is departure + the travel table.
 */
function EtaLine(props: { c: Incoming; now: number; activated: boolean }) {
  const { c, now } = props
  const eta = c.etaAt ? Date.parse(c.etaAt) : null
  const lab = props.activated ? '' : ` · ${t('incoming.labNotActivated')}`
  const pos = c.etaSource === 'position' ? c.lastPosition : null
  return (
    <div class="incoming-eta-line">
      <strong data-testid="incoming-eta-line">
        {eta === null
          ? t('app.incoming.etaUnknown')
          : t('eta.arrivingIn', { minutes: Math.max(0, Math.ceil((eta - now) / 60_000)) })}
        {lab}
      </strong>
      <span class="muted small" data-testid="incoming-eta-note">
        {t(`eta.source.${c.etaSource}`)}
        {pos ? ` · ${t('incoming.positionAge', { ago: clock(Math.max(0, now - Date.parse(pos.at))) })}` : ''}
        {c.etaSource === 'travel_matrix' ? ` · ${t('incoming.noPosition')}` : ''}
        {' · '}
        {c.uncertaintyMinutes !== null
          ? t('incoming.accuracy', { n: c.uncertaintyMinutes })
          : t('incoming.accuracyUnknown')}
      </span>
    </div>
  )
}

/**
 * The confirm step before full activation (docs/ambulance.md): with the cardiologist's STEMI read
 * one tap activates; without it, "activate now" asks for the reason the server requires.
 */
function Activate(props: {
  c: Incoming
  asking: boolean
  reason: string
  onReason: (r: string) => void
  onAsk: () => void
  onActivate: (data: Record<string, unknown>) => void
}) {
  const confirmed = props.c.diagnosis === 'stemi' || hasRole('cardiologist')
  if (confirmed)
    return (
      <button class="btn big" data-testid="incoming-activate" onClick={() => props.onActivate({})}>
        {t('incoming.activateConfirmed')}
      </button>
    )
  return (
    <div class="stack">
      <span class="muted">{t('incoming.awaitingRead')}</span>
      {props.asking ? (
        <>
          <label class="field">
            <span>{t('incoming.activateReason')}</span>
            <input
              data-testid="incoming-activate-reason"
              value={props.reason}
              onInput={(e) => props.onReason(e.currentTarget.value)}
            />
          </label>
          <button
            class="btn big"
            data-testid="incoming-activate-confirm"
            disabled={props.reason.trim() === ''}
            onClick={() => props.onActivate({ reason: props.reason.trim() })}
          >
            {t('incoming.activateNow')}
          </button>
        </>
      ) : (
        <button class="btn" data-testid="incoming-activate-now" onClick={props.onAsk}>
          {t('incoming.activateNow')}
        </button>
      )}
    </div>
  )
}
