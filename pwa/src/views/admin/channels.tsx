/**
 * `/admin/channels` — the network's alert channels (docs/alert-channels.md): WeCom, SMS and voice
 * settings with "send a test", the escalation ladder per alert kind, and the alerts that failed
 * to reach someone. Secrets are write-only: the API answers only whether each is set (and its
 * last 4 characters), so a secret field is always empty and a typed value replaces the stored one.
 */
import { useEffect, useState } from 'preact/hooks'
import { CHANNEL_KEYS, type AlertKind, type ChannelKey } from '../../../../workflows/core/ladder.ts'
import { AUDIENCES, type Audience } from '../../../../workflows/core/rule-keys.ts'
import { api } from '../../api.ts'
import { ErrorBox, errMsg, LoadState, useApi } from '../../components/data.tsx'
import { t, type MessageKey } from '../../i18n/index.ts'
import { DeliveryProblems } from '../delivery-problems.tsx'
import type { AdminUser } from './users.tsx'

type Channel = 'wecom' | 'sms' | 'voice'
interface ChannelRow {
  channel: Channel
  provider: string
  config: Record<string, string | number | undefined>
  secrets: Record<string, { set: boolean; last4: string | null }>
  updatedAt: string
}
interface ChannelsView {
  secretKeySet: boolean
  wecom: ChannelRow | null
  sms: ChannelRow | null
  voice: ChannelRow | null
  callbackUrls: Record<string, string>
}

interface FieldDef {
  name: string
  label: MessageKey
  secret?: boolean
  number?: boolean
  /** Only for this provider. */
  only?: 'aliyun' | 'tencent'
  optional?: boolean
}

const FIELDS: Record<Channel, FieldDef[]> = {
  wecom: [
    { name: 'corpId', label: 'adminChannels.field.corpId' },
    { name: 'agentId', label: 'adminChannels.field.agentId', number: true },
    { name: 'secret', label: 'adminChannels.field.secret', secret: true },
    { name: 'callbackToken', label: 'adminChannels.field.callbackToken', secret: true },
    { name: 'callbackAesKey', label: 'adminChannels.field.callbackAesKey', secret: true },
  ],
  sms: [
    { name: 'accessKeyId', label: 'adminChannels.field.accessKeyId' },
    { name: 'accessKeySecret', label: 'adminChannels.field.accessKeySecret', secret: true },
    { name: 'signName', label: 'adminChannels.field.signName' },
    { name: 'templateCode', label: 'adminChannels.field.smsTemplate' },
    { name: 'verifyTemplateCode', label: 'adminChannels.field.verifyTemplate', optional: true },
    { name: 'sdkAppId', label: 'adminChannels.field.sdkAppId', only: 'tencent' },
  ],
  voice: [
    { name: 'accessKeyId', label: 'adminChannels.field.accessKeyId' },
    { name: 'accessKeySecret', label: 'adminChannels.field.accessKeySecret', secret: true },
    { name: 'templateCode', label: 'adminChannels.field.voiceTemplate' },
    { name: 'calledShowNumber', label: 'adminChannels.field.calledShowNumber', optional: true },
    { name: 'sdkAppId', label: 'adminChannels.field.sdkAppId', only: 'tencent' },
  ],
}

/** Alert channels: vendor settings, tests, ladders, delivery problems. */
export function ChannelsPage() {
  const l = useApi<ChannelsView>('/api/admin/channels')
  const users = useApi<{ users: AdminUser[] }>('/api/admin/users')
  const people = (users.data?.users ?? []).filter((u) => u.active)
  return (
    <section>
      <h2>{t('admin.channels.title')}</h2>
      <DeliveryProblems />
      <LoadState l={l} />
      {l.data && !l.data.secretKeySet && (
        <p class="error" role="alert">
          {t('problem.channel_secret_key_missing')}
        </p>
      )}
      {l.data &&
        (['wecom', 'sms', 'voice'] as const).map((ch) => (
          <ChannelForm key={ch} channel={ch} row={l.data![ch]} people={people} onSaved={l.reload} />
        ))}
      {l.data && (
        <div class="card">
          <h3>{t('admin.channels.callbackUrls')}</h3>
          <ul data-testid="callback-urls">
            {Object.entries(l.data.callbackUrls).map(([k, url]) => (
              <li key={k}>
                <span class="muted">{k}</span> <code>{url}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
      <Ladders />
    </section>
  )
}

function ChannelForm(props: {
  channel: Channel
  row: ChannelRow | null
  people: AdminUser[]
  onSaved: () => void
}) {
  const ch = props.channel
  const initial = () => {
    const v: Record<string, string> = {}
    for (const f of FIELDS[ch]) if (!f.secret) v[f.name] = String(props.row?.config[f.name] ?? '')
    return v
  }
  const [values, setValues] = useState<Record<string, string>>(initial)
  const [provider, setProvider] = useState(props.row?.provider ?? 'aliyun')
  const [error, setError] = useState<unknown>(null)
  const [saved, setSaved] = useState(false)
  useEffect(() => {
    setValues(initial())
    setProvider(props.row?.provider ?? 'aliyun')
  }, [props.row?.updatedAt])
  const fields = FIELDS[ch].filter((f) => !f.only || (ch !== 'wecom' && f.only === provider))
  const save = async (e: Event) => {
    e.preventDefault()
    setError(null)
    setSaved(false)
    const body: Record<string, unknown> = ch === 'wecom' ? {} : { provider }
    for (const f of fields) {
      const v = (values[f.name] ?? '').trim()
      // A secret left empty keeps the stored one; an empty optional field is left out.
      if (!v) continue
      body[f.name] = f.number ? Number(v) : v
    }
    try {
      await api('PUT', `/api/admin/channels/${ch}`, body)
      setSaved(true)
      // Never keep a typed secret in the page once it is stored.
      setValues((old) =>
        Object.fromEntries(
          Object.entries(old).filter(([k]) => !FIELDS[ch].some((f) => f.secret && f.name === k)),
        ),
      )
      props.onSaved()
    } catch (err) {
      setError(err)
    }
  }
  return (
    <form class="card" data-testid={`channel-${ch}`} onSubmit={(e) => void save(e)}>
      <h3>{t(`channel.${ch}`)}</h3>
      {ch !== 'wecom' && (
        <label class="field">
          <span>{t('adminChannels.field.provider')}</span>
          <select name="provider" value={provider} onChange={(e) => setProvider(e.currentTarget.value)}>
            <option value="aliyun">{t('adminChannels.provider.aliyun')}</option>
            <option value="tencent">{t('adminChannels.provider.tencent')}</option>
          </select>
        </label>
      )}
      <div class="row wrap">
        {fields.map((f) => {
          const hint = props.row?.secrets[f.name]
          return (
            <label class="field" key={f.name}>
              <span>
                {t(f.label)}
                {f.secret && (
                  <span class="chip" data-testid={`secret-state-${f.name}`}>
                    {hint?.set
                      ? t('admin.channels.set', { last4: hint.last4 ?? '' })
                      : t('admin.channels.unset')}
                  </span>
                )}
              </span>
              <input
                name={f.name}
                type={f.secret ? 'password' : f.number ? 'number' : 'text'}
                autocomplete={f.secret ? 'new-password' : 'off'}
                placeholder={
                  f.secret ? (hint?.set ? t('adminChannels.replace') : t('adminChannels.enter')) : ''
                }
                required={!f.secret && !f.optional}
                value={values[f.name] ?? ''}
                onInput={(e) => setValues({ ...values, [f.name]: e.currentTarget.value })}
              />
            </label>
          )
        })}
      </div>
      <ErrorBox error={error} />
      <div class="row wrap">
        <button class="btn primary" type="submit" data-testid={`save-${ch}`}>
          {t('admin.channels.save')}
        </button>
        {saved && (
          <span class="ok" role="status">
            {t('adminChannels.saved')}
          </span>
        )}
      </div>
      {props.row && <TestSend channel={ch} people={props.people} />}
    </form>
  )
}

function TestSend(props: { channel: Channel; people: AdminUser[] }) {
  const [userId, setUserId] = useState('')
  const [result, setResult] = useState<string | null>(null)
  const [ok, setOk] = useState(false)
  const [busy, setBusy] = useState(false)
  const send = async () => {
    if (!userId) return
    setBusy(true)
    setResult(null)
    try {
      const r = await api<{ ok: boolean; providerId?: string; code?: string }>(
        'POST',
        `/api/admin/channels/${props.channel}/test`,
        { userId },
      )
      setOk(r.ok)
      setResult(
        r.ok
          ? t('adminChannels.test.ok', { id: r.providerId ?? '' })
          : t('adminChannels.test.failed', { code: r.code ?? '' }),
      )
    } catch (e) {
      setOk(false)
      setResult(errMsg(e))
    } finally {
      setBusy(false)
    }
  }
  return (
    <div class="row wrap" data-testid={`test-${props.channel}`}>
      <label class="field">
        <span>{t('adminChannels.test.to')}</span>
        <select name="testUser" value={userId} onChange={(e) => setUserId(e.currentTarget.value)}>
          <option value="">{t('adminChannels.test.choose')}</option>
          {props.people.map((u) => (
            <option key={u.id} value={u.id}>
              {u.displayName}
            </option>
          ))}
        </select>
      </label>
      <button type="button" class="btn" disabled={!userId || busy} onClick={() => void send()}>
        {t('admin.channels.test')}
      </button>
      {result && (
        <p class={ok ? 'ok' : 'error'} role="status" data-testid="test-result">
          {result}
        </p>
      )}
    </div>
  )
}

interface LadderStepInput {
  afterSeconds: number
  to: 'alert' | Audience[]
  channels: ChannelKey[] | 'all'
}
interface LaddersView {
  ladders: Record<AlertKind, { steps: LadderStepInput[]; custom: boolean; default: LadderStepInput[] }>
}

function Ladders() {
  const l = useApi<LaddersView>('/api/admin/ladders')
  return (
    <div class="card" data-testid="ladders">
      <h3>{t('admin.channels.ladder')}</h3>
      <LoadState l={l} />
      {l.data &&
        (Object.keys(l.data.ladders) as AlertKind[]).map((kind) => (
          <LadderForm key={kind} kind={kind} view={l.data!.ladders[kind]} onSaved={l.reload} />
        ))}
    </div>
  )
}

function LadderForm(props: {
  kind: AlertKind
  view: { steps: LadderStepInput[]; custom: boolean }
  onSaved: () => void
}) {
  const [steps, setSteps] = useState(props.view.steps)
  const [error, setError] = useState<unknown>(null)
  useEffect(() => setSteps(props.view.steps), [props.view])
  const set = (i: number, p: Partial<LadderStepInput>) =>
    setSteps(steps.map((s, j) => (j === i ? { ...s, ...p } : s)))
  const run = async (method: 'PUT' | 'DELETE') => {
    setError(null)
    try {
      if (method === 'PUT') await api('PUT', '/api/admin/ladders', { kind: props.kind, steps })
      else await api('DELETE', `/api/admin/ladders/${props.kind}`)
      props.onSaved()
    } catch (e) {
      setError(e)
    }
  }
  return (
    <form
      data-testid={`ladder-${props.kind}`}
      onSubmit={(e) => {
        e.preventDefault()
        void run('PUT')
      }}
    >
      <h4>
        {t(`adminChannels.kind.${props.kind}`)}{' '}
        <span class="chip">
          {props.view.custom ? t('adminChannels.ladder.custom') : t('adminChannels.ladder.default')}
        </span>
      </h4>
      <table>
        <thead>
          <tr>
            <th>{t('adminChannels.ladder.after')}</th>
            <th>{t('adminChannels.ladder.to')}</th>
            <th>{t('adminChannels.ladder.channels')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {steps.map((s, i) => (
            <tr key={i} data-testid="ladder-step">
              <td>
                <input
                  type="number"
                  min={0}
                  name={`after-${i}`}
                  aria-label={t('adminChannels.ladder.after')}
                  value={s.afterSeconds}
                  onInput={(e) => set(i, { afterSeconds: Number(e.currentTarget.value) })}
                />
              </td>
              <td>
                <select
                  name={`to-${i}`}
                  aria-label={t('adminChannels.ladder.to')}
                  value={s.to === 'alert' ? 'alert' : s.to[0]}
                  onChange={(e) => {
                    const v = e.currentTarget.value
                    const audience = AUDIENCES.find((a) => a === v)
                    set(i, { to: audience ? [audience] : 'alert' })
                  }}
                >
                  <option value="alert">{t('adminChannels.to.alert')}</option>
                  {AUDIENCES.map((a) => (
                    <option key={a} value={a}>
                      {t(`adminChannels.to.${a}`)}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <div class="row wrap">
                  <label class="check">
                    <input
                      type="checkbox"
                      checked={s.channels === 'all'}
                      onChange={(e) => set(i, { channels: e.currentTarget.checked ? 'all' : ['webpush'] })}
                    />
                    <span>{t('adminChannels.ladder.all')}</span>
                  </label>
                  {s.channels !== 'all' &&
                    CHANNEL_KEYS.map((c) => (
                      <label class="check" key={c}>
                        <input
                          type="checkbox"
                          checked={(s.channels as ChannelKey[]).includes(c)}
                          onChange={(e) => {
                            const list = s.channels as ChannelKey[]
                            set(i, {
                              channels: e.currentTarget.checked ? [...list, c] : list.filter((x) => x !== c),
                            })
                          }}
                        />
                        <span>{t(`channel.${c}`)}</span>
                      </label>
                    ))}
                </div>
              </td>
              <td>
                {i > 0 && (
                  <button type="button" class="btn" onClick={() => setSteps(steps.filter((_, j) => j !== i))}>
                    {t('common.delete')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorBox error={error} />
      <div class="row wrap">
        <button
          type="button"
          class="btn"
          onClick={() =>
            setSteps([
              ...steps,
              { afterSeconds: (steps.at(-1)?.afterSeconds ?? 0) + 60, to: 'alert', channels: ['webpush'] },
            ])
          }
        >
          {t('adminChannels.ladder.add')}
        </button>
        <button class="btn primary" type="submit">
          {t('common.save')}
        </button>
        {props.view.custom && (
          <button type="button" class="btn" onClick={() => void run('DELETE')}>
            {t('adminChannels.ladder.reset')}
          </button>
        )}
      </div>
    </form>
  )
}
