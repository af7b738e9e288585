import { useEffect, useState } from 'preact/hooks'
import { api } from '../api.ts'
import { errMsg } from '../components/data.tsx'
import { t } from '../i18n/index.ts'

/** Set up a TOTP factor: the key as text and the otpauth:// URI (no external QR service), then a first code. */
export function MfaEnrol(props: {
  challenge?: string
  onDone: (r: { recoveryCodes: string[]; user?: unknown }) => void
}) {
  const [secret, setSecret] = useState<{ secret: string; otpauthUri: string }>()
  const [code, setCode] = useState('')
  const [remember, setRemember] = useState(false)
  const [error, setError] = useState('')
  useEffect(() => {
    api<{ secret: string; otpauthUri: string }>(
      'POST',
      '/api/auth/mfa/enrol',
      props.challenge ? { challenge: props.challenge } : {},
    )
      .then(setSecret)
      .catch((e: unknown) => setError(errMsg(e)))
  }, [props.challenge])
  const confirm = async (e: Event) => {
    e.preventDefault()
    setError('')
    try {
      const body = props.challenge
        ? { challenge: props.challenge, code: code.trim(), remember }
        : { code: code.trim() }
      props.onDone(
        await api<{ recoveryCodes: string[]; user?: unknown }>('POST', '/api/auth/mfa/enrol/confirm', body),
      )
    } catch (err) {
      setError(errMsg(err))
    }
  }
  return (
    <form class="card" onSubmit={(e) => void confirm(e)} data-testid="mfa-enrol">
      <h2>{t('security.mfa.start')}</h2>
      {secret && (
        <>
          <p class="small">{t('security.mfa.scan')}</p>
          <p>
            {t('security.mfa.secret')}:{' '}
            <code data-testid="mfa-secret">{secret.secret.replace(/(.{4})/g, '$1 ').trim()}</code>
          </p>
          <p class="small muted" style="word-break: break-all">
            <code>{secret.otpauthUri}</code>
          </p>
        </>
      )}
      <label class="field">
        <span>{t('security.mfa.code')}</span>
        <input
          name="code"
          inputMode="numeric"
          autocomplete="one-time-code"
          value={code}
          onInput={(e) => setCode(e.currentTarget.value)}
          required
        />
      </label>
      {props.challenge && (
        <label class="field">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.currentTarget.checked)} />{' '}
          {t('security.mfa.remember')}
        </label>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button class="btn primary block" type="submit" disabled={!secret}>
        {t('security.mfa.confirm')}
      </button>
    </form>
  )
}

/** The ten recovery codes, shown once. */
export function RecoveryCodes(props: { codes: string[]; onDone: () => void }) {
  return (
    <div class="card" data-testid="recovery-codes">
      <p>{t('security.mfa.recovery')}</p>
      <pre>{props.codes.join('\n')}</pre>
      <button class="btn primary block" type="button" onClick={props.onDone}>
        {t('security.mfa.confirm')}
      </button>
    </div>
  )
}

interface SessionRow {
  id: string
  device: string | null
  lastSeenAt: string
  current: boolean
}

/** `/security`: one's second factor and signed-in devices, with sign out one / everywhere. */
export function SecurityPage() {
  const [mfa, setMfa] = useState<{ enrolled: boolean; required: boolean; recoveryCodesLeft: number }>()
  const [sessions, setSessions] = useState<SessionRow[]>([])
  const [enrolling, setEnrolling] = useState(false)
  const [codes, setCodes] = useState<string[]>()
  const [error, setError] = useState('')
  const load = () => {
    api<typeof mfa>('GET', '/api/auth/mfa')
      .then(setMfa)
      .catch((e: unknown) => setError(errMsg(e)))
    api<{ sessions: SessionRow[] }>('GET', '/api/auth/sessions')
      .then((r) => setSessions(r.sessions))
      .catch((e: unknown) => setError(errMsg(e)))
  }
  useEffect(load, [])
  const act = (p: Promise<unknown>, after: () => void) =>
    void p.then(after).catch((e: unknown) => setError(errMsg(e)))
  return (
    <main class="narrow" data-testid="security-page">
      <h1>{t('security.title')}</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <section class="card">
        <h2>{t('security.mfa')}</h2>
        {mfa && (
          <p>{mfa.enrolled ? t('security.mfa.on', { n: mfa.recoveryCodesLeft }) : t('security.mfa.off')}</p>
        )}
        {mfa && !mfa.enrolled && !enrolling && !codes && (
          <button class="btn primary" type="button" onClick={() => setEnrolling(true)}>
            {t('security.mfa.start')}
          </button>
        )}
      </section>
      {enrolling && (
        <MfaEnrol
          onDone={(r) => {
            setEnrolling(false)
            setCodes(r.recoveryCodes)
          }}
        />
      )}
      {codes && <RecoveryCodes codes={codes} onDone={() => (setCodes(undefined), load())} />}
      <section class="card">
        <h2>{t('security.sessions')}</h2>
        <ul class="plain">
          {sessions.map((s) => (
            <li key={s.id} data-testid="session-row">
              <strong>{s.device ?? '—'}</strong> {s.current && <em>({t('security.sessions.current')})</em>}
              <br />
              <span class="small muted">
                {t('security.sessions.lastSeen', { t: new Date(s.lastSeenAt).toLocaleString() })}
              </span>{' '}
              {!s.current && (
                <button
                  class="btn"
                  type="button"
                  onClick={() => act(api('DELETE', `/api/auth/sessions/${s.id}`), load)}
                >
                  {t('security.sessions.revoke')}
                </button>
              )}
            </li>
          ))}
        </ul>
        <button
          class="btn danger block"
          type="button"
          onClick={() => act(api('POST', '/api/auth/sessions/revoke-all'), () => location.assign('/'))}
        >
          {t('security.sessions.revokeAll')}
        </button>
      </section>
    </main>
  )
}
