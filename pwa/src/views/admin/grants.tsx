/**
 * `/admin/grants` — province QA read access (docs/qa-api.md "Province"): the QA users of other
 * networks (the health commission's QA person) this network's admin granted its aggregates to,
 * a grant by login name, and a revoke after a confirmation. The API audits both.
 */
import { useState } from 'preact/hooks'
import { api } from '../../api.ts'
import { ErrorBox, LoadState, useApi, when } from '../../components/data.tsx'
import { Dialog } from '../../components/ui.tsx'
import { t } from '../../i18n/index.ts'
import { fname } from './facilities.tsx'

interface QaGrant {
  userId: string
  username: string
  displayName: string
  network: { name: string; nameEn: string | null }
  grantedAt: string
  grantedBy: { id: string; username: string; displayName: string }
}

export function GrantsPage() {
  const l = useApi<{ grants: QaGrant[] }>('/api/admin/qa-grants')
  const [username, setUsername] = useState('')
  const [error, setError] = useState<unknown>(null)
  const [done, setDone] = useState<string | null>(null)
  const [revoking, setRevoking] = useState<QaGrant | null>(null)
  const [busy, setBusy] = useState(false)
  const run = async (f: () => Promise<string>) => {
    setBusy(true)
    setError(null)
    setDone(null)
    try {
      setDone(await f())
      l.reload()
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }
  const grant = (e: Event) => {
    e.preventDefault()
    void run(async () => {
      const { grant: g } = await api<{ grant: QaGrant }>('POST', '/api/admin/qa-grants', { username })
      setUsername('')
      return t('grants.granted', { u: g.displayName, n: fname(g.network) })
    })
  }
  const revoke = (g: QaGrant) => {
    setRevoking(null)
    void run(async () => {
      await api('DELETE', `/api/admin/qa-grants/${g.userId}`)
      return t('grants.revoked', { u: g.displayName })
    })
  }
  const grants = l.data?.grants ?? []
  return (
    <section>
      <h2>{t('grants.title')}</h2>
      <p class="muted small">{t('grants.hint')}</p>
      <form class="card row wrap" onSubmit={grant} data-testid="grant-form">
        <label class="field">
          <span>{t('grants.username')}</span>
          <input
            name="username"
            required
            autocapitalize="none"
            autocomplete="off"
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </label>
        <button class="btn primary" type="submit" disabled={busy} data-testid="grant-submit">
          {t('grants.grant')}
        </button>
      </form>
      <ErrorBox error={error} />
      {done && (
        <p class="receipt ok" role="status" data-testid="grant-done">
          {done}
        </p>
      )}
      <LoadState l={l} />
      {l.data && !grants.length && <p class="muted">{t('grants.empty')}</p>}
      {grants.length > 0 && (
        <div class="scroll-x">
          <table class="grid-table">
            <thead>
              <tr>
                <th>{t('grants.who')}</th>
                <th>{t('grants.network')}</th>
                <th>{t('grants.by')}</th>
                <th>{t('grants.at')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {grants.map((g) => (
                <tr key={g.userId} data-testid="grant-row">
                  <th scope="row">
                    {g.displayName} <span class="muted small">@{g.username}</span>
                  </th>
                  <td>{fname(g.network)}</td>
                  <td>{g.grantedBy.displayName}</td>
                  <td>{when(g.grantedAt)}</td>
                  <td>
                    <button
                      class="btn danger"
                      disabled={busy}
                      data-testid="grant-revoke"
                      onClick={() => setRevoking(g)}
                    >
                      {t('grants.revoke')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {revoking && (
        <Dialog title={t('grants.confirmTitle')} onClose={() => setRevoking(null)}>
          <p>{t('grants.confirmRevoke', { u: revoking.displayName, n: fname(revoking.network) })}</p>
          <div class="row">
            <button type="button" class="btn" onClick={() => setRevoking(null)}>
              {t('common.cancel')}
            </button>
            <button
              type="button"
              class="btn danger"
              data-testid="grant-revoke-confirm"
              onClick={() => revoke(revoking)}
            >
              {t('grants.revoke')}
            </button>
          </div>
        </Dialog>
      )}
    </section>
  )
}
