import { ReadinessTap } from './views/readiness.tsx'
import { render, type ComponentType } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { api, ApiFailure, type User } from './api.ts'
import { useBus } from './bus.ts'
import { lang, onLangChange, setLang, t } from './i18n/index.ts'
import { alerts, dismissAlert, sound, startLive, stopLive, type LiveAlert } from './live.ts'
import { useDecision } from './components/decision-banner.tsx'
import { match, navigate, onLinkClick, useLocation } from './router.ts'
import {
  flushNow,
  hasRole,
  loadNetwork,
  outbox,
  recordEvent,
  session,
  setUser,
  signOut,
  startSync,
} from './store.ts'
import { CaseScreen } from './views/case-screen.tsx'
import { ConsultPage } from './views/consult.tsx'
import { ConsultInbox } from './views/consults.tsx'
import { CrewHome } from './views/crew.tsx'
import { CrewCase } from './views/crew-case.tsx'
import { Home } from './views/home.tsx'
import { IncomingBoard } from './views/incoming.tsx'
import { Login } from './views/login.tsx'
import { NotificationsPage } from './views/notifications.tsx'
import { SecurityPage } from './views/security.tsx'
import { StartCase } from './views/start-case.tsx'
import './styles.css'

type Section = ComponentType<{ path: string; search: URLSearchParams }>
const sections: Record<'admin' | 'qa', () => Promise<{ default: Section }>> = {
  admin: () => import('./views/admin/index.tsx'),
  qa: () => import('./views/qa/index.tsx'),
}
const loaded: Partial<Record<'admin' | 'qa', Section>> = {}

/** Admin and QA screens are separate chunks, fetched on first visit (the tablet never loads them). */
function Lazy(props: { name: 'admin' | 'qa'; path: string; search: URLSearchParams }) {
  const [, bump] = useState(0)
  const [failed, setFailed] = useState(false)
  const Comp = loaded[props.name]
  useEffect(() => {
    if (Comp) return
    sections[props.name]()
      .then((m) => {
        loaded[props.name] = m.default
        bump((n) => n + 1)
      })
      .catch(() => setFailed(true))
  }, [props.name])
  if (Comp) return <Comp path={props.path} search={props.search} />
  return (
    <main>
      <p class="muted">{failed ? t('data.chunkFailed') : t('case.loading')}</p>
    </main>
  )
}

/** Where each role lands after sign-in. */
function homeFor(): string {
  // The cath lab works from the incoming board, not the township case list.
  if (hasRole('cath_lab')) return '/incoming'
  if (hasRole('ems_crew')) return '/crew'
  if (hasRole('township_physician', 'village_doctor')) return '/cases'
  if (hasRole('cardiologist')) return '/consults'
  if (hasRole('qa')) return '/qa'
  if (hasRole('admin')) return '/admin'
  return '/cases'
}

function Page(props: { path: string; search: URLSearchParams }) {
  const p = props.path
  let m: Record<string, string> | null
  if (p === '/' || p === '') {
    navigate(homeFor(), true)
    return null
  }
  if (p === '/cases') return <Home />
  if (p === '/cases/new') return <StartCase />
  if ((m = match('/cases/:id', p))) return <CaseScreen key={m.id} caseId={m.id!} />
  if (p === '/consults') return <ConsultInbox />
  if (p === '/incoming') return <IncomingBoard />
  if (p === '/crew') return <CrewHome />
  if ((m = match('/crew/cases/:id', p))) return <CrewCase key={m.id} caseId={m.id!} />
  if ((m = match('/consults/:id', p)))
    return <ConsultPage key={m.id} caseId={m.id!} decline={props.search.get('decline') === '1'} />
  if (p === '/notifications') return <NotificationsPage />
  if (p === '/security') return <SecurityPage />
  if ((m = match('/readiness/:id', p))) return <ReadinessTap key={m.id} id={m.id!} />
  if (p.startsWith('/qa')) return <Lazy name="qa" path={p} search={props.search} />
  if (p.startsWith('/admin')) return <Lazy name="admin" path={p} search={props.search} />
  return <main>404</main>
}

function SyncStatus() {
  const [n, setN] = useState(0)
  const [online, setOnline] = useState(navigator.onLine)
  useBus(['outbox', 'net'], () => {
    setOnline(navigator.onLine)
    void outbox.pending().then((p) => setN(p.length))
  })
  return (
    <>
      {!online && (
        <div class="offline-bar" role="status" data-testid="offline">
          {t('net.offline')}
        </div>
      )}
      {n > 0 && (
        <button class="btn sync" data-testid="unsynced-count" onClick={() => void flushNow()}>
          {t('net.unsynced', { n })} · {t('net.syncNow')}
        </button>
      )}
    </>
  )
}

function Alerts() {
  const [, bump] = useState(0)
  useBus(['alert'], () => bump((x) => x + 1))
  const here = useLocation().pathname
  if (alerts.length === 0) return null
  return (
    <div class="alerts" role="alert" aria-live="assertive">
      {alerts.map((a) => (
        <AlertBanner key={a.key} a={a} here={here} />
      ))}
    </div>
  )
}

/**
 * One banner. A decision says what was decided, in the colour of the outcome; the case already
 * on screen is not offered again.
 */
function AlertBanner(props: { a: LiveAlert; here: string }) {
  const a = props.a
  const decision = useDecision(a.caseId, a.template === 'decision')
  const href = hasRole('cardiologist')
    ? `/consults/${a.caseId}`
    : hasRole('ems_crew')
      ? `/crew/cases/${a.caseId}`
      : `/cases/${a.caseId}`
  const open = [`/cases/${a.caseId}`, `/consults/${a.caseId}`, `/crew/cases/${a.caseId}`].includes(props.here)
  const tone = decision ? (decision.outcome === 'approved' ? 'ok' : 'bad') : a.clinical ? '' : 'info'
  return (
    <div
      class={`alert-banner ${tone}`}
      data-testid="alert-banner"
      data-template={a.template}
      data-outcome={decision?.outcome}
    >
      <strong>
        {decision?.text ?? a.title ?? t(`alertT.${a.template}`, { rule: a.rule ? t(`rule.${a.rule}`) : '' })}
      </strong>
      {a.body && <span>{a.body}</span>}
      {!open && (
        <a class="btn" href={href} data-testid="alert-open" onClick={() => dismissAlert(a.key)}>
          {t('alert.open')}
        </a>
      )}
      {a.alertKey && a.clinical ? (
        <button
          class="btn"
          onClick={() => {
            void recordEvent(a.caseId, 'alert_acknowledged', { alertKey: a.alertKey })
            dismissAlert(a.key)
          }}
        >
          {t('alert.ack')}
        </button>
      ) : (
        <button class="btn" onClick={() => dismissAlert(a.key)}>
          {t('alert.dismiss')}
        </button>
      )}
    </div>
  )
}

function Nav() {
  const [msg, setMsg] = useState('')
  const links: [string, string][] = []
  if (hasRole('cath_lab', 'cardiologist')) links.push(['/incoming', t('app.incoming.nav')])
  if (hasRole('township_physician', 'village_doctor')) links.push(['/cases', t('nav.cases')])
  if (hasRole('ems_crew')) links.push(['/crew', t('crew.title')])
  if (hasRole('cardiologist'))
    links.push(['/consults', t('nav.consults')], ['/notifications', t('nav.notifications')])
  if (hasRole('qa', 'admin')) links.push(['/qa', t('nav.qa')])
  if (hasRole('admin')) links.push(['/admin', t('nav.admin')])
  links.push(['/security', t('security.title')])
  return (
    <header class="top">
      <a class="brand" href="/">
        心联 <span>Xinlian</span>
      </a>
      <nav>
        {links.map(([href, label]) => (
          <a key={href} href={href} class="navlink">
            {label}
          </a>
        ))}
      </nav>
      <SyncStatus />
      <span class="spacer" />
      <label class="check small">
        <input type="checkbox" checked={sound.get()} onChange={(e) => sound.set(e.currentTarget.checked)} />
        <span>{t('alert.sound')}</span>
      </label>
      <button class="btn" data-testid="lang" onClick={() => setLang(lang() === 'en' ? 'zh-CN' : 'en')}>
        {t('lang.switch')}
      </button>
      <span class="muted user">{session.user?.displayName}</span>
      <button
        class="btn"
        onClick={() =>
          void outbox.pending().then(async (p) => {
            if (p.length > 0) return setMsg(t('logout.pending', { n: p.length }))
            if (await signOut()) {
              stopLive()
              navigate('/login', true)
            }
          })
        }
      >
        {t('nav.logout')}
      </button>
      {msg && (
        <p class="error" role="alert">
          {msg}
        </p>
      )}
    </header>
  )
}

function App() {
  const url = useLocation()
  const [, bump] = useState(0)
  useEffect(() => onLangChange(() => bump((n) => n + 1)), [])
  useBus(['session'], () => bump((n) => n + 1))
  useEffect(() => {
    // Live updates start with the saved user, even offline: the stream keeps retrying (backoff,
    // `online`, visibility) and catches up from its last event once it gets through.
    if (session.user) startLive()
    // Confirm the session in the background; offline, the saved user keeps the app usable.
    api<{ user: User }>('GET', '/api/me')
      .then((r) => {
        setUser(r.user)
        void loadNetwork()
        startLive()
      })
      .catch((e: unknown) => {
        if (e instanceof ApiFailure && e.status === 401) {
          setUser(null)
          stopLive()
          navigate('/login', true)
        }
      })
  }, [session.user?.id])

  if (!session.user || url.pathname === '/login') return <Login />
  startSync()
  return (
    <div class="app" onClick={(e) => onLinkClick(e)}>
      <Nav />
      <Alerts />
      <Page path={url.pathname} search={url.searchParams} />
    </div>
  )
}

document.documentElement.lang = lang()
const root = document.getElementById('app')!
root.addEventListener('click', (e) => {
  if (!session.user) onLinkClick(e)
})
render(<App />, root)

if ('serviceWorker' in navigator && import.meta.env.PROD) {
  void navigator.serviceWorker.register('/sw.js', { scope: '/' })
}
