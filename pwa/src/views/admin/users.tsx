import { useState } from 'preact/hooks'
import { api } from '../../api.ts'
import { copyText, ErrorBox, errMsg, LoadState, useApi, when } from '../../components/data.tsx'
import { Dialog } from '../../components/ui.tsx'
import type { Role } from '../../../../workflows/core/roles.ts'
import { t } from '../../i18n/index.ts'
import { fname, type AdminFacility } from './facilities.tsx'
import { FACILITY_SCOPED_ROLES, ROLES } from '../../../../workflows/core/roles.ts'

export interface AdminUser {
  id: string
  username: string
  displayName: string
  active: boolean
  roles: Role[]
  facilityIds: string[]
  createdAt: string
  sessions: number
  pushSubscriptions: number
  /** Alert contacts (docs/alert-channels.md). */
  mobile?: string | null
  mobileVerified?: boolean
  wecomUserId?: string | null
}

const SCOPED = new Set<string>(FACILITY_SCOPED_ROLES)

/** A one-time code, shown once, with a copy button. */
export function CodeCard(props: { username: string; code: string; expiresAt: string }) {
  const [copied, setCopied] = useState<boolean | null>(null)
  return (
    <div class="code-card" data-testid="one-time-code-card">
      <p>{t('users.codeFor', { u: props.username })}</p>
      <output class="code" data-testid="one-time-code">
        {props.code}
      </output>
      <p class="small">{t('users.codeOnce', { at: when(props.expiresAt) })}</p>
      <button class="btn" data-testid="copy-code" onClick={() => void copyText(props.code).then(setCopied)}>
        {copied ? t('users.copied') : t('users.copy')}
      </button>
      {copied === false && <span class="muted small"> {t('users.copyFailed')}</span>}
    </div>
  )
}

/** People: roles and facility scope, create (code shown once), deactivate, reset password. */
export function UsersPage() {
  const l = useApi<{ users: AdminUser[] }>('/api/admin/users')
  const facs = useApi<{ facilities: AdminFacility[] }>('/api/admin/facilities')
  const [editing, setEditing] = useState<AdminUser | 'new' | null>(null)
  const [code, setCode] = useState<{ username: string; oneTimeCode: string; codeExpiresAt: string } | null>(
    null,
  )
  const [error, setError] = useState<{ e: unknown; retry?: () => void } | null>(null)
  const [filter, setFilter] = useState('')
  const facilities = facs.data?.facilities ?? []
  const facName = (id: string) => {
    const f = facilities.find((x) => x.id === id)
    return f ? fname(f) : ''
  }
  const act = async (u: AdminUser, what: 'deactivate' | 'reactivate' | 'reset', force = false) => {
    setError(null)
    try {
      if (what === 'reset') {
        const r = await api<{ username: string; oneTimeCode: string; codeExpiresAt: string }>(
          'POST',
          `/api/admin/users/${u.id}/reset-password`,
          {},
        )
        setCode(r)
      } else {
        if (what === 'deactivate' && !force && !confirm(t('users.confirmDeactivate', { u: u.displayName })))
          return
        await api('POST', `/api/admin/users/${u.id}/${what}`, force ? { force: true } : {})
      }
      l.reload()
    } catch (e) {
      setError({ e, retry: what === 'deactivate' ? () => void act(u, what, true) : undefined })
    }
  }
  const q = filter.trim().toLowerCase()
  const users = (l.data?.users ?? []).filter(
    (u) =>
      !q ||
      u.username.includes(q) ||
      u.displayName.toLowerCase().includes(q) ||
      u.roles.some((r) => t(`role.${r}`).includes(q)),
  )
  return (
    <section>
      <div class="row spread">
        <h2>{t('users.title')}</h2>
        <div class="row wrap">
          <input
            type="search"
            aria-label={t('users.search')}
            placeholder={t('users.search')}
            value={filter}
            onInput={(e) => setFilter(e.currentTarget.value)}
          />
          <button class="btn primary" data-testid="user-new" onClick={() => setEditing('new')}>
            {t('users.new')}
          </button>
        </div>
      </div>
      <LoadState l={l} />
      {code && (
        <div class="card">
          <CodeCard username={code.username} code={code.oneTimeCode} expiresAt={code.codeExpiresAt} />
          <button class="btn" onClick={() => setCode(null)}>
            {t('users.codeDone')}
          </button>
        </div>
      )}
      {error && <ErrorBox error={error.e} onForce={error.retry} />}
      <ul class="cases">
        {users.map((u) => (
          <li key={u.id} class={`user-row ${u.active ? '' : 'inactive'}`} data-testid="user-row">
            <div class="grow">
              <strong>{u.displayName}</strong> <span class="muted">@{u.username}</span>
              {!u.active && <span class="chip">{t('users.inactive')}</span>}
              <div class="chips">
                {u.roles.map((r) => (
                  <span key={r} class="chip role">
                    {t(`role.${r}`)}
                  </span>
                ))}
                {u.facilityIds.map((id) => (
                  <span key={id} class="chip">
                    {facName(id)}
                  </span>
                ))}
              </div>
              <div class="muted small">{t('users.sessions', { s: u.sessions, p: u.pushSubscriptions })}</div>
              <div class="muted small" data-testid="user-contacts">
                {t('adminChannels.user.mobile')}: {u.mobile ?? t('admin.channels.unset')}
                {u.mobile &&
                  ` (${u.mobileVerified ? t('adminChannels.user.verified') : t('adminChannels.user.unverified')})`}
                {' · '}
                {t('adminChannels.user.wecom')}: {u.wecomUserId ?? t('admin.channels.unset')}
              </div>
            </div>
            <div class="row wrap">
              <button class="btn" onClick={() => setEditing(u)}>
                {t('common.edit')}
              </button>
              {u.active && (
                <button class="btn" onClick={() => void act(u, 'reset')}>
                  {t('users.reset')}
                </button>
              )}
              <button
                class={`btn ${u.active ? 'danger' : 'ok'}`}
                onClick={() => void act(u, u.active ? 'deactivate' : 'reactivate')}
              >
                {u.active ? t('users.deactivate') : t('users.reactivate')}
              </button>
            </div>
          </li>
        ))}
      </ul>
      {editing && (
        <UserForm
          user={editing === 'new' ? null : editing}
          facilities={facilities.filter((f) => f.active)}
          onClose={() => setEditing(null)}
          onCreated={(c) => {
            setEditing(null)
            setCode(c)
            l.reload()
          }}
          onSaved={() => {
            setEditing(null)
            l.reload()
          }}
        />
      )}
    </section>
  )
}

function UserForm(props: {
  user: AdminUser | null
  facilities: AdminFacility[]
  onClose: () => void
  onCreated: (c: { username: string; oneTimeCode: string; codeExpiresAt: string }) => void
  onSaved: () => void
}) {
  const u = props.user
  const [username, setUsername] = useState(u?.username ?? '')
  const [displayName, setDisplayName] = useState(u?.displayName ?? '')
  const [roles, setRoles] = useState<string[]>(u?.roles ?? [])
  const [facilityIds, setFacilityIds] = useState<string[]>(u?.facilityIds ?? [])
  const [mobile, setMobile] = useState(u?.mobile ?? '')
  const [mobileVerified, setMobileVerified] = useState(u?.mobileVerified ?? false)
  const [wecomUserId, setWecomUserId] = useState(u?.wecomUserId ?? '')
  const [error, setError] = useState<unknown>(null)
  // An empty field clears the contact; the verification mark is only sent with a number.
  const contacts = () => ({
    mobile: mobile.trim() || null,
    ...(mobile.trim() ? { mobileVerified } : {}),
    wecomUserId: wecomUserId.trim() || null,
  })
  const needsScope = roles.some((r) => SCOPED.has(r))
  const submit = async (force = false) => {
    setError(null)
    try {
      if (u) {
        await api('PATCH', `/api/admin/users/${u.id}`, {
          displayName,
          roles,
          facilityIds,
          ...contacts(),
          ...(force ? { force } : {}),
        })
        props.onSaved()
      } else {
        const r = await api<{ user: AdminUser; oneTimeCode: string; codeExpiresAt: string }>(
          'POST',
          '/api/admin/users',
          { username: username.trim(), displayName: displayName.trim(), roles, facilityIds, ...contacts() },
        )
        props.onCreated({
          username: r.user.username,
          oneTimeCode: r.oneTimeCode,
          codeExpiresAt: r.codeExpiresAt,
        })
      }
    } catch (e) {
      setError(e)
    }
  }
  const toggle = (list: string[], x: string, on: boolean) => (on ? [...list, x] : list.filter((y) => y !== x))
  return (
    <Dialog title={u ? t('users.edit', { u: u.displayName }) : t('users.new')} onClose={props.onClose}>
      <form
        data-testid="user-form"
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
      >
        <label class="field">
          <span>{t('users.username')}</span>
          <input
            name="username"
            autocapitalize="none"
            required
            disabled={!!u}
            pattern="[a-zA-Z0-9._\-]{2,64}"
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>{t('users.displayName')}</span>
          <input
            name="displayName"
            required
            value={displayName}
            onInput={(e) => setDisplayName(e.currentTarget.value)}
          />
        </label>
        <fieldset class="field">
          <legend>{t('users.roles')}</legend>
          <div class="row wrap">
            {ROLES.map((r) => (
              <label key={r} class="check">
                <input
                  type="checkbox"
                  name={`role-${r}`}
                  checked={roles.includes(r)}
                  onChange={(e) => setRoles(toggle(roles, r, e.currentTarget.checked))}
                />
                <span>{t(`role.${r}`)}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <fieldset class="field">
          <legend>{t('users.facilities')}</legend>
          {needsScope && facilityIds.length === 0 && <p class="error small">{t('users.scopeNeeded')}</p>}
          <select
            multiple
            name="facilities"
            size={Math.min(8, props.facilities.length)}
            class="multi"
            onChange={(e) => setFacilityIds([...e.currentTarget.selectedOptions].map((o) => o.value))}
          >
            {props.facilities.map((f) => (
              <option key={f.id} value={f.id} selected={facilityIds.includes(f.id)}>
                {fname(f)} · {t(`level.${f.level}`)}
              </option>
            ))}
          </select>
        </fieldset>
        <fieldset class="field">
          <legend>{t('adminChannels.user.contacts')}</legend>
          <div class="row wrap">
            <label class="field">
              <span>{t('adminChannels.user.mobile')}</span>
              <input
                name="mobile"
                type="tel"
                inputMode="tel"
                value={mobile}
                onInput={(e) => {
                  const v = e.currentTarget.value
                  // A new number is not verified until someone checks it again.
                  if (v.trim() !== (u?.mobile ?? '')) setMobileVerified(false)
                  setMobile(v)
                }}
              />
            </label>
            <label class="check">
              <input
                type="checkbox"
                name="mobileVerified"
                disabled={!mobile.trim()}
                checked={mobileVerified}
                onChange={(e) => setMobileVerified(e.currentTarget.checked)}
              />
              <span>{t('adminChannels.user.markVerified')}</span>
            </label>
            {u?.mobile && !u.mobileVerified && mobile.trim() === u.mobile && <MobileCode userId={u.id} />}
            <label class="field">
              <span>{t('adminChannels.user.wecom')}</span>
              <input
                name="wecomUserId"
                autocapitalize="none"
                value={wecomUserId}
                onInput={(e) => setWecomUserId(e.currentTarget.value)}
              />
            </label>
          </div>
        </fieldset>
        <ErrorBox error={error} onForce={() => void submit(true)} />
        <div class="row">
          <button type="button" class="btn" onClick={props.onClose}>
            {t('common.cancel')}
          </button>
          <button class="btn primary" type="submit" data-testid="user-save">
            {u ? t('common.save') : t('users.create')}
          </button>
        </div>
      </form>
    </Dialog>
  )
}

/**
 * Verify the saved mobile by an SMS code (docs/alert-channels.md): the code goes to the number,
 * the person reads it to the admin, the admin enters it. The sealed challenge stays in this form.
 */
function MobileCode(props: { userId: string }) {
  const [challenge, setChallenge] = useState<{ challenge: string; expiresAt: string } | null>(null)
  const [code, setCode] = useState('')
  const [state, setState] = useState<{ ok: boolean; text: string } | null>(null)
  const send = async () => {
    setState(null)
    try {
      const r = await api<{ sent: boolean; challenge?: string; expiresAt?: string; code?: string }>(
        'POST',
        '/api/admin/mobile-code/send',
        { userId: props.userId },
      )
      if (r.sent && r.challenge && r.expiresAt) {
        setChallenge({ challenge: r.challenge, expiresAt: r.expiresAt })
        setState({ ok: true, text: t('adminChannels.user.codeSent', { at: when(r.expiresAt) }) })
      } else setState({ ok: false, text: t('adminChannels.user.codeFailed', { code: r.code ?? '' }) })
    } catch (e) {
      setState({ ok: false, text: errMsg(e) })
    }
  }
  const confirm = async () => {
    if (!challenge) return
    try {
      await api('POST', '/api/admin/mobile-code/confirm', {
        userId: props.userId,
        challenge: challenge.challenge,
        code: code.trim(),
      })
      setChallenge(null)
      setState({ ok: true, text: t('adminChannels.user.codeConfirmed') })
    } catch (e) {
      setState({ ok: false, text: errMsg(e) })
    }
  }
  return (
    <div class="row wrap" data-testid="mobile-code">
      <button type="button" class="btn" onClick={() => void send()}>
        {t('adminChannels.user.sendCode')}
      </button>
      {challenge && (
        <>
          <label class="field">
            <span>{t('adminChannels.user.code')}</span>
            <input
              name="mobileCode"
              inputMode="numeric"
              autocomplete="one-time-code"
              pattern="[0-9]{6}"
              value={code}
              onInput={(e) => setCode(e.currentTarget.value)}
            />
          </label>
          <button type="button" class="btn" onClick={() => void confirm()}>
            {t('adminChannels.user.confirmCode')}
          </button>
        </>
      )}
      {state && (
        <p class={state.ok ? 'ok' : 'error'} role="status">
          {state.text}
        </p>
      )}
    </div>
  )
}
