import { useState } from 'preact/hooks'
import { api, ApiFailure } from '../api.ts'
import { problemText, t } from '../i18n/index.ts'

type Status = 'unsupported' | 'denied' | 'enabled' | 'off'

function urlBase64ToUint8Array(base64: string): Uint8Array<ArrayBuffer> {
  const pad = '='.repeat((4 - (base64.length % 4)) % 4)
  const raw = atob((base64 + pad).replace(/-/g, '+').replace(/_/g, '/'))
  const out = new Uint8Array(new ArrayBuffer(raw.length))
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i)
  return out
}

/**
 * Whether this browser can hold a Web Push subscription at all: the WeCom and WeChat in-app
 * browsers have no service worker and no Push API (docs/alert-channels.md), and a page opened
 * there must work without them.
 */
export function canReceivePush(): boolean {
  return (
    'serviceWorker' in navigator &&
    'PushManager' in window &&
    typeof Notification !== 'undefined' &&
    chinaPushLimit(navigator.userAgent) !== 'inApp'
  )
}

function initialStatus(): Status {
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || typeof Notification === 'undefined')
    return 'unsupported'
  if (Notification.permission === 'denied') return 'denied'
  return localStorage.getItem('xl.pushEndpoint') && Notification.permission === 'granted' ? 'enabled' : 'off'
}

/**
 * Browsers that cannot receive Web Push in mainland China: the WeChat / WeCom in-app browsers
 * have no Push API; Chrome and Firefox on Android deliver through Google's FCM, unreachable there
 * (docs/alert-channels.md). The user is told what to use instead.
 */
export function chinaPushLimit(ua: string): 'inApp' | 'fcm' | null {
  if (/MicroMessenger|wxwork|DingTalk/i.test(ua)) return 'inApp'
  if (/Android/i.test(ua) && /Chrome|Firefox/i.test(ua) && !/EdgA|HuaweiBrowser|HarmonyOS/i.test(ua))
    return 'fcm'
  return null
}

/** Explain why, then ask permission and subscribe this device (VAPID key from the server). */
export async function enablePush(): Promise<Status> {
  const permission = await Notification.requestPermission()
  if (permission !== 'granted') return 'denied'
  const reg = await navigator.serviceWorker.ready
  const { publicKey } = await api<{ publicKey: string }>('GET', '/api/push/public-key')
  const existing = await reg.pushManager.getSubscription()
  const sub =
    existing ??
    (await reg.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: urlBase64ToUint8Array(publicKey),
    }))
  const register = (s: PushSubscription) =>
    api('POST', '/api/push/subscriptions', { ...s.toJSON(), device: navigator.userAgent.slice(0, 120) })
  let current = sub
  try {
    await register(current)
  } catch (e) {
    // This browser's endpoint belongs to the previous user of the device: the server never
    // re-binds it, so start a fresh subscription (a new endpoint) for the one signed in now.
    if (!(e instanceof ApiFailure && e.code === 'push_endpoint_taken')) throw e
    await current.unsubscribe()
    current = await reg.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: urlBase64ToUint8Array(publicKey),
    })
    await register(current)
  }
  localStorage.setItem('xl.pushEndpoint', current.endpoint)
  return 'enabled'
}

export async function disablePush(): Promise<void> {
  const reg = await navigator.serviceWorker.ready
  const sub = await reg.pushManager.getSubscription()
  if (sub) {
    await api('DELETE', '/api/push/subscriptions', { endpoint: sub.endpoint }).catch(() => undefined)
    await sub.unsubscribe()
  }
  localStorage.removeItem('xl.pushEndpoint')
}

export function NotifyPrompt(props: { compact?: boolean }) {
  const [status, setStatus] = useState<Status>(initialStatus)
  const [error, setError] = useState('')
  if (props.compact && status === 'enabled') return null
  const enable = async () => {
    setError('')
    try {
      setStatus(await enablePush())
    } catch (e) {
      setError(
        t('notify.failed', {
          m: e instanceof ApiFailure ? problemText(e.code, e.params, e.status) : String(e),
        }),
      )
    }
  }
  return (
    <section class="card notify" data-testid="notify">
      <h2>{t('notify.title')}</h2>
      {status === 'enabled' ? (
        <>
          <p class="receipt ok" data-testid="notify-enabled">
            {t('notify.enabled')}
          </p>
          <button class="btn" onClick={() => void disablePush().then(() => setStatus('off'))}>
            {t('notify.disable')}
          </button>
        </>
      ) : (
        <>
          <p>{t('notify.why')}</p>
          {chinaPushLimit(navigator.userAgent) && (
            <p class="notice" data-testid="notify-china">
              {t(
                chinaPushLimit(navigator.userAgent) === 'inApp'
                  ? 'push.unsupported.inApp'
                  : 'push.unsupported.fcm',
              )}
            </p>
          )}
          {status === 'unsupported' && <p class="error">{t('notify.unsupported')}</p>}
          {status === 'denied' && <p class="error">{t('notify.denied')}</p>}
          {status !== 'unsupported' && (
            <button class="btn primary big block" data-testid="notify-enable" onClick={() => void enable()}>
              {t('notify.enable')}
            </button>
          )}
        </>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  )
}

export function NotificationsPage() {
  return (
    <main class="narrow">
      <NotifyPrompt />
    </main>
  )
}
