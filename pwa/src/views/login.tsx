import { useEffect, useState } from 'preact/hooks'
import { api, ApiFailure, type User } from '../api.ts'
import { errMsg } from '../components/data.tsx'
import { t } from '../i18n/index.ts'
import { navigate } from '../router.ts'
import { loadNetwork, setUser } from '../store.ts'
import { MfaEnrol, RecoveryCodes } from './security.tsx'

/** First sign-in or reset: the one-time code from the admin, then a new password (≥ 8 characters). */
function Redeem(props: { onBack: () => void }) {
  const [username, setUsername] = useState('')
  const [code, setCode] = useState('')
  const [pw, setPw] = useState('')
  const [pw2, setPw2] = useState('')
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  const submit = async (e: Event) => {
    e.preventDefault()
    if (pw !== pw2) return setError(t('redeem.mismatch'))
    setBusy(true)
    setError('')
    try {
      await api('POST', '/api/auth/redeem', { username: username.trim(), code: code.trim(), newPassword: pw })
      const r = await api<{ user: User }>('POST', '/api/auth/login', {
        username: username.trim(),
        password: pw,
      })
      setUser(r.user)
      await loadNetwork()
      navigate('/', true)
    } catch (err) {
      setError(errMsg(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <form class="card" onSubmit={(e) => void submit(e)} data-testid="redeem-form">
      <h2>{t('redeem.title')}</h2>
      <p class="muted small">{t('redeem.hint')}</p>
      <label class="field">
        <span>{t('login.username')}</span>
        <input
          name="username"
          autocomplete="username"
          autocapitalize="none"
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
          required
        />
      </label>
      <label class="field">
        <span>{t('redeem.code')}</span>
        <input
          name="code"
          autocomplete="one-time-code"
          autocapitalize="characters"
          placeholder="XXXX-XXXX-XXXX"
          value={code}
          onInput={(e) => setCode(e.currentTarget.value)}
          required
        />
      </label>
      <label class="field">
        <span>{t('redeem.newPassword')}</span>
        <input
          name="newPassword"
          type="password"
          autocomplete="new-password"
          minLength={8}
          value={pw}
          onInput={(e) => setPw(e.currentTarget.value)}
          required
        />
      </label>
      <label class="field">
        <span>{t('redeem.repeat')}</span>
        <input
          name="newPassword2"
          type="password"
          autocomplete="new-password"
          minLength={8}
          value={pw2}
          onInput={(e) => setPw2(e.currentTarget.value)}
          required
        />
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button class="btn primary block" type="submit" disabled={busy} data-testid="redeem-submit">
        {t('redeem.submit')}
      </button>
      <button class="btn block" type="button" onClick={props.onBack}>
        {t('redeem.back')}
      </button>
    </form>
  )
}

/**
 * The second factor a WeCom sign-in still owes under the network's policy: the server put the
 * challenge in the fragment (never sent anywhere, api/routes/wecom-oauth.ts); taken once, at
 * start-up, and cleared from the address bar. After it, the page the card opened.
 */
const wecomStep = (() => {
  const m = /^#wecom-mfa=([A-Za-z0-9_-]{1,100})&enrol=([01])$/.exec(location.hash)
  if (!m) return undefined
  history.replaceState(history.state, '', location.pathname + location.search)
  return { challenge: m[1]!, enrol: m[2] === '1', next: location.pathname }
})()

export function Login() {
  const [redeem, setRedeem] = useState(false)
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  // Second factor: the challenge a correct password answered (docs/security.md).
  const [challenge, setChallenge] = useState<{ challenge: string; enrol: boolean } | undefined>(
    wecomStep && { challenge: wecomStep.challenge, enrol: wecomStep.enrol },
  )
  const [code, setCode] = useState('')
  const [remember, setRemember] = useState(false)
  const [recovery, setRecovery] = useState<{ codes: string[]; user: User }>()
  const signedIn = async (user: User) => {
    setUser(user)
    await loadNetwork()
    navigate(wecomStep?.next ?? '/', true)
  }
  // After WeCom: a device remembered after an earlier second factor completes it without a code.
  useEffect(() => {
    if (!wecomStep || wecomStep.enrol) return
    api<{ user: User }>('POST', '/api/auth/wecom/remembered-device', { challenge: wecomStep.challenge })
      .then((r) => signedIn(r.user))
      .catch(() => undefined)
  }, [])
  const submitCode = async (e: Event) => {
    e.preventDefault()
    setError('')
    try {
      const r = await api<{ user: User }>('POST', '/api/auth/mfa', {
        challenge: challenge!.challenge,
        code: code.trim(),
        remember,
      })
      await signedIn(r.user)
    } catch (err) {
      setError(errMsg(err))
    }
  }
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError('')
    try {
      const r = await api<{ user: User } | { mfaRequired: true; challenge: string; enrol: boolean }>(
        'POST',
        '/api/auth/login',
        { username, password },
      )
      if ('mfaRequired' in r) return setChallenge({ challenge: r.challenge, enrol: r.enrol })
      await signedIn(r.user)
    } catch (err) {
      setError(err instanceof ApiFailure && err.status === 0 ? t('login.offline') : t('login.failed'))
    } finally {
      setBusy(false)
    }
  }
  return (
    <main class="narrow">
      <h1>
        {t('app.name')} <small>{t('app.tagline')}</small>
      </h1>
      {recovery ? (
        <RecoveryCodes codes={recovery.codes} onDone={() => void signedIn(recovery.user)} />
      ) : challenge?.enrol ? (
        <MfaEnrol
          challenge={challenge.challenge}
          onDone={(r) => setRecovery({ codes: r.recoveryCodes, user: r.user as User })}
        />
      ) : challenge ? (
        <form class="card" onSubmit={(e) => void submitCode(e)} data-testid="mfa-form">
          <h2>{t('security.mfa')}</h2>
          <p class="small">{t('security.mfa.prompt')}</p>
          <label class="field">
            <span>{t('security.mfa.code')}</span>
            <input
              name="code"
              autocomplete="one-time-code"
              value={code}
              onInput={(e) => setCode(e.currentTarget.value)}
              required
            />
          </label>
          <label class="field">
            <input
              type="checkbox"
              checked={remember}
              onChange={(e) => setRemember(e.currentTarget.checked)}
            />{' '}
            {t('security.mfa.remember')}
          </label>
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <button class="btn primary block" type="submit">
            {t('security.mfa.confirm')}
          </button>
        </form>
      ) : redeem ? (
        <Redeem onBack={() => setRedeem(false)} />
      ) : (
        <form class="card" onSubmit={(e) => void submit(e)}>
          <h2>{t('login.title')}</h2>
          <label class="field">
            <span>{t('login.username')}</span>
            <input
              name="username"
              autocomplete="username"
              autocapitalize="none"
              value={username}
              onInput={(e) => setUsername(e.currentTarget.value)}
              required
            />
          </label>
          <label class="field">
            <span>{t('login.password')}</span>
            <input
              name="password"
              type="password"
              autocomplete="current-password"
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
              required
            />
          </label>
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <button class="btn primary block" type="submit" disabled={busy}>
            {t('login.submit')}
          </button>
          <button class="btn block" type="button" data-testid="have-code" onClick={() => setRedeem(true)}>
            {t('redeem.open')}
          </button>
        </form>
      )}
    </main>
  )
}
