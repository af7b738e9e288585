import { useState } from 'preact/hooks'
import { api, ApiFailure, type User } from '../api.ts'
import { t } from '../i18n/index.ts'
import { navigate } from '../router.ts'
import { loadNetwork, setUser } from '../store.ts'

export function Login() {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError('')
    try {
      const r = await api<{ user: User }>('POST', '/api/auth/login', { username, password })
      setUser(r.user)
      await loadNetwork()
      navigate('/', true)
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
      </form>
    </main>
  )
}
