import { addHours } from 'date-fns/addHours'
import { useState } from 'preact/hooks'
import { api } from '../../api.ts'
import { ErrorBox, LoadState, useApi, when } from '../../components/data.tsx'
import { Dialog, toInputValue } from '../../components/ui.tsx'
import { isoLocal } from '../../clinical.ts'
import { lang, t } from '../../i18n/index.ts'
import type { AdminUser } from './users.tsx'

interface Slot {
  id: string
  line: 'first' | 'second'
  userId: string
  username: string
  displayName: string
  startsAt: string
  endsAt: string
  kind: 'manual' | 'template' | 'swap'
  note: string | null
  createdAt: string
}
interface Gap {
  from: string
  to: string
}

const DAY = 86_400_000
const startOfDay = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate())
const hm = (ms: number) =>
  new Date(ms).toLocaleTimeString(lang() === 'en' ? 'en-GB' : 'zh-CN', { hour: '2-digit', minute: '2-digit' })

/** Overlapping slots: the latest-created wins (that is how a swap overrides). */
function effective(
  slots: Slot[],
  line: string,
  from: number,
  to: number,
): { s: Slot; a: number; b: number }[] {
  const mine = slots
    .filter((s) => s.line === line && Date.parse(s.endsAt) > from && Date.parse(s.startsAt) < to)
    .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt))
  // Paint in creation order onto minute cells of the day; then merge runs.
  const n = Math.round((to - from) / 60_000)
  const owner: (Slot | null)[] = new Array<Slot | null>(n).fill(null)
  for (const s of mine) {
    const a = Math.max(0, Math.round((Date.parse(s.startsAt) - from) / 60_000))
    const b = Math.min(n, Math.round((Date.parse(s.endsAt) - from) / 60_000))
    for (let i = a; i < b; i++) owner[i] = s
  }
  const out: { s: Slot; a: number; b: number }[] = []
  for (let i = 0; i < n;) {
    const s = owner[i]
    let j = i
    while (j < n && owner[j] === s) j++
    if (s) out.push({ s, a: from + i * 60_000, b: from + j * 60_000 })
    i = j
  }
  return out
}

/**
 * Rota calendar: one row per day for the next weeks, first- and second-line lanes over 24 hours,
 * gaps (no first-line cardiologist, from the server) in red; each slot opens its actions.
 */
export function RotaPage() {
  const [weeks, setWeeks] = useState(3)
  const [today] = useState(() => startOfDay(new Date()))
  const from = today.getTime()
  const to = from + weeks * 7 * DAY
  const l = useApi<{ slots: Slot[] }>(
    `/api/admin/rota?from=${encodeURIComponent(isoLocal(new Date(from)))}&to=${encodeURIComponent(isoLocal(new Date(to)))}`,
  )
  const g = useApi<{ gaps: Gap[] }>('/api/admin/rota/gaps?days=14')
  const users = useApi<{ users: AdminUser[] }>('/api/admin/users')
  const [open, setOpen] = useState<Slot | { new: true; day: number } | null>(null)
  const cardiologists = (users.data?.users ?? []).filter((u) => u.active && u.roles.includes('cardiologist'))
  const slots = l.data?.slots ?? []
  const gaps = g.data?.gaps ?? []
  const reload = () => {
    setOpen(null)
    l.reload()
    g.reload()
  }
  const days = Array.from({ length: weeks * 7 }, (_, i) => from + i * DAY)
  return (
    <section>
      <div class="row spread">
        <h2>{t('rota.title')}</h2>
        <div class="row wrap">
          <label class="field inline">
            <span>{t('rota.weeks')}</span>
            <select value={weeks} onChange={(e) => setWeeks(Number(e.currentTarget.value))}>
              {[1, 2, 3, 4, 6, 8].map((w) => (
                <option key={w} value={w}>
                  {w}
                </option>
              ))}
            </select>
          </label>
          <button
            class="btn primary"
            data-testid="slot-new"
            onClick={() => setOpen({ new: true, day: from })}
          >
            {t('rota.newSlot')}
          </button>
        </div>
      </div>
      {g.data && (
        <p class={`receipt ${gaps.length ? 'bad' : 'ok'}`} data-testid="rota-gaps" role="status">
          {gaps.length ? t('rota.gaps', { n: gaps.length }) : t('rota.noGaps')}
        </p>
      )}
      <LoadState l={l} />
      <div class="rota-legend small">
        <span class="lg first" /> {t('rota.first')} <span class="lg second" /> {t('rota.second')}{' '}
        <span class="lg swap" /> {t('rota.swap')} <span class="lg gap" /> {t('rota.gap')}
      </div>
      <ol class="rota" data-testid="rota-calendar">
        {days.map((d) => {
          const end = d + DAY
          const dayGaps = gaps.filter((x) => Date.parse(x.to) > d && Date.parse(x.from) < end)
          const lanes = (['first', 'second'] as const).map((line) => ({
            line,
            runs: effective(slots, line, d, end),
          }))
          const date = new Date(d)
          const weekend = date.getDay() === 0 || date.getDay() === 6
          return (
            <li key={d} class={`rota-day ${dayGaps.length ? 'has-gap' : ''} ${weekend ? 'weekend' : ''}`}>
              <div class="rota-date">
                <strong>
                  {date.toLocaleDateString(lang() === 'en' ? 'en-GB' : 'zh-CN', {
                    month: 'numeric',
                    day: 'numeric',
                  })}
                </strong>{' '}
                <span class="muted">
                  {date.toLocaleDateString(lang() === 'en' ? 'en-GB' : 'zh-CN', { weekday: 'short' })}
                </span>
              </div>
              <div class="rota-track" aria-hidden="true">
                {[6, 12, 18].map((h) => (
                  <span key={h} class="tick" style={{ left: `${(h / 24) * 100}%` }} />
                ))}
                {lanes.map(({ line, runs }) =>
                  runs.map((r) => (
                    <span
                      key={`${line}${r.a}`}
                      class={`seg ${line} ${r.s.kind === 'swap' ? 'swap' : ''}`}
                      style={{ left: `${((r.a - d) / DAY) * 100}%`, width: `${((r.b - r.a) / DAY) * 100}%` }}
                    >
                      {r.b - r.a >= 4 * 3_600_000 ? r.s.displayName : ''}
                    </span>
                  )),
                )}
                {dayGaps.map((x) => {
                  const a = Math.max(d, Date.parse(x.from))
                  const b = Math.min(end, Date.parse(x.to))
                  return (
                    <span
                      key={x.from}
                      class="seg gap"
                      style={{ left: `${((a - d) / DAY) * 100}%`, width: `${((b - a) / DAY) * 100}%` }}
                    />
                  )
                })}
              </div>
              <div class="rota-slots">
                {dayGaps.map((x) => (
                  <span key={x.from} class="chip gap-chip">
                    {t('rota.gapAt', {
                      from: hm(Math.max(d, Date.parse(x.from))),
                      to: hm(Math.min(end, Date.parse(x.to))),
                    })}
                  </span>
                ))}
                {lanes.flatMap(({ line, runs }) =>
                  runs.map((r) => (
                    <button
                      key={`${line}${r.a}`}
                      class={`btn slot ${line} ${r.s.kind}`}
                      data-testid="rota-slot"
                      onClick={() => setOpen(r.s)}
                    >
                      {line === 'first' ? t('rota.firstShort') : t('rota.secondShort')} {r.s.displayName}{' '}
                      {hm(r.a)}–{r.b === end ? '24:00' : hm(r.b)}
                    </button>
                  )),
                )}
              </div>
            </li>
          )
        })}
      </ol>
      {open && (
        <SlotDialog
          slot={'id' in open ? open : null}
          day={'day' in open ? open.day : from}
          cardiologists={cardiologists}
          onClose={() => setOpen(null)}
          onDone={reload}
        />
      )}
    </section>
  )
}

function SlotDialog(props: {
  slot: Slot | null
  day: number
  cardiologists: AdminUser[]
  onClose: () => void
  onDone: () => void
}) {
  const s = props.slot
  const [mode, setMode] = useState<'edit' | 'swap'>('edit')
  const [line, setLine] = useState<'first' | 'second'>(s?.line ?? 'first')
  const [userId, setUserId] = useState(s?.userId ?? props.cardiologists[0]?.id ?? '')
  const [startsAt, setStartsAt] = useState(
    toInputValue(s ? new Date(Date.parse(s.startsAt)) : addHours(props.day, 8)),
  )
  const [endsAt, setEndsAt] = useState(
    toInputValue(s ? new Date(Date.parse(s.endsAt)) : addHours(props.day, 20)),
  )
  const [note, setNote] = useState(s?.note ?? '')
  const [error, setError] = useState<unknown>(null)
  const [lastForce, setLastForce] = useState<(() => void) | null>(null)
  const run = async (f: (force: boolean) => Promise<unknown>, force = false) => {
    setError(null)
    try {
      await f(force)
      props.onDone()
    } catch (e) {
      setError(e)
      setLastForce(() => () => void run(f, true))
    }
  }
  const body = (force: boolean) => ({
    line,
    userId,
    startsAt: isoLocal(new Date(startsAt)),
    endsAt: isoLocal(new Date(endsAt)),
    ...(note.trim() ? { note: note.trim() } : {}),
    ...(force ? { force } : {}),
  })
  const save = () =>
    run((force) => {
      if (!s) return api('POST', '/api/admin/rota/slots', body(false))
      if (mode === 'swap') return api('POST', '/api/admin/rota/swaps', body(false))
      return api('PATCH', `/api/admin/rota/slots/${s.id}`, body(force))
    })
  const title = !s ? t('rota.newSlot') : mode === 'swap' ? t('rota.swapTitle') : t('rota.slotTitle')
  return (
    <Dialog title={title} onClose={props.onClose}>
      {s && (
        <p class="muted">
          {t('rota.slotInfo', {
            who: s.displayName,
            from: when(s.startsAt),
            to: when(s.endsAt),
            kind: t(`rotaKind.${s.kind}`),
          })}
        </p>
      )}
      {s && (
        <div class="row wrap" role="group">
          <button class={`btn ${mode === 'edit' ? 'selected' : ''}`} onClick={() => setMode('edit')}>
            {t('common.edit')}
          </button>
          <button
            class={`btn ${mode === 'swap' ? 'selected' : ''}`}
            data-testid="slot-swap"
            onClick={() => setMode('swap')}
          >
            {t('rota.swapAction')}
          </button>
        </div>
      )}
      {mode === 'swap' && <p class="small">{t('rota.swapHint')}</p>}
      <form
        onSubmit={(e) => {
          e.preventDefault()
          void save()
        }}
      >
        <div class="row wrap">
          <label class="field">
            <span>{t('rota.line')}</span>
            <select value={line} onChange={(e) => setLine(e.currentTarget.value as 'first' | 'second')}>
              <option value="first">{t('rota.first')}</option>
              <option value="second">{t('rota.second')}</option>
            </select>
          </label>
          <label class="field">
            <span>{t('rota.who')}</span>
            <select name="userId" value={userId} onChange={(e) => setUserId(e.currentTarget.value)}>
              {props.cardiologists.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.displayName}
                </option>
              ))}
            </select>
          </label>
        </div>
        <div class="row wrap">
          <label class="field">
            <span>{t('rota.starts')}</span>
            <input
              type="datetime-local"
              step={60}
              required
              value={startsAt}
              onInput={(e) => setStartsAt(e.currentTarget.value)}
            />
          </label>
          <label class="field">
            <span>{t('rota.ends')}</span>
            <input
              type="datetime-local"
              step={60}
              required
              value={endsAt}
              onInput={(e) => setEndsAt(e.currentTarget.value)}
            />
          </label>
        </div>
        <label class="field">
          <span>{t('rota.note')}</span>
          <input value={note} onInput={(e) => setNote(e.currentTarget.value)} />
        </label>
        <ErrorBox error={error} onForce={lastForce ?? undefined} />
        <div class="row wrap">
          <button type="button" class="btn" onClick={props.onClose}>
            {t('common.cancel')}
          </button>
          <button class="btn primary" type="submit" data-testid="slot-save">
            {mode === 'swap' ? t('rota.swapSave') : t('common.save')}
          </button>
          <span class="spacer" />
          {s && (
            <button
              type="button"
              class="btn danger"
              data-testid="slot-delete"
              onClick={() =>
                void run((force) =>
                  api('DELETE', `/api/admin/rota/slots/${s.id}${force ? '?force=true' : ''}`),
                )
              }
            >
              {t('common.delete')}
            </button>
          )}
        </div>
      </form>
    </Dialog>
  )
}

interface TemplateEntry {
  weekday: number
  startHour: number
  endHour: number
  line: 'first' | 'second'
  userId: string
}

/** The weekly template (local time of the network) and "materialise N weeks". */
export function TemplatePage() {
  const l = useApi<{ timezone: string; entries: TemplateEntry[] }>('/api/admin/rota/template')
  const users = useApi<{ users: AdminUser[] }>('/api/admin/users')
  const [entries, setEntries] = useState<TemplateEntry[] | null>(null)
  const [weeks, setWeeks] = useState(4)
  const [error, setError] = useState<unknown>(null)
  const [force, setForce] = useState<(() => void) | null>(null)
  const [msg, setMsg] = useState('')
  const cards = (users.data?.users ?? []).filter((u) => u.active && u.roles.includes('cardiologist'))
  const list = entries ?? l.data?.entries ?? []
  const set = (i: number, patch: Partial<TemplateEntry>) =>
    setEntries(list.map((e, j) => (j === i ? { ...e, ...patch } : e)))
  const save = async () => {
    setError(null)
    setMsg('')
    try {
      await api('PUT', '/api/admin/rota/template', { entries: list })
      setEntries(null)
      l.reload()
      setMsg(t('template.saved'))
    } catch (e) {
      setError(e)
      setForce(null)
    }
  }
  const materialise = async (f = false) => {
    setError(null)
    setMsg('')
    try {
      const r = await api<{ created: number; replaced: number; until: string }>(
        'POST',
        '/api/admin/rota/template/materialise',
        { weeks, ...(f ? { force: true } : {}) },
      )
      setMsg(t('template.materialised', { c: r.created, r: r.replaced, until: when(r.until) }))
    } catch (e) {
      setError(e)
      setForce(() => () => void materialise(true))
    }
  }
  const hours = Array.from({ length: 25 }, (_, h) => h)
  return (
    <section>
      <h2>{t('template.title')}</h2>
      <p class="muted small">{t('template.hint', { tz: l.data?.timezone ?? '' })}</p>
      <LoadState l={l} />
      <div class="scroll-x">
        <table class="grid-table">
          <thead>
            <tr>
              <th>{t('template.weekday')}</th>
              <th>{t('template.start')}</th>
              <th>{t('template.end')}</th>
              <th>{t('rota.line')}</th>
              <th>{t('rota.who')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((e, i) => (
              <tr key={i}>
                <td>
                  <select
                    aria-label={t('template.weekday')}
                    value={e.weekday}
                    onChange={(ev) => set(i, { weekday: Number(ev.currentTarget.value) })}
                  >
                    {([1, 2, 3, 4, 5, 6, 7] as const).map((w) => (
                      <option key={w} value={w}>
                        {t(`wd.${w}`)}
                      </option>
                    ))}
                  </select>
                </td>
                {(['startHour', 'endHour'] as const).map((k) => (
                  <td key={k}>
                    <select
                      aria-label={k === 'startHour' ? t('template.start') : t('template.end')}
                      value={e[k]}
                      onChange={(ev) => set(i, { [k]: Number(ev.currentTarget.value) })}
                    >
                      {hours
                        .filter((h) => (k === 'startHour' ? h < 24 : h > 0))
                        .map((h) => (
                          <option key={h} value={h}>
                            {String(h).padStart(2, '0')}:00
                          </option>
                        ))}
                    </select>
                  </td>
                ))}
                <td>
                  <select
                    aria-label={t('rota.line')}
                    value={e.line}
                    onChange={(ev) => set(i, { line: ev.currentTarget.value as 'first' | 'second' })}
                  >
                    <option value="first">{t('rota.first')}</option>
                    <option value="second">{t('rota.second')}</option>
                  </select>
                </td>
                <td>
                  <select
                    aria-label={t('rota.who')}
                    value={e.userId}
                    onChange={(ev) => set(i, { userId: ev.currentTarget.value })}
                  >
                    {cards.map((u) => (
                      <option key={u.id} value={u.id}>
                        {u.displayName}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <button
                    class="btn"
                    aria-label={t('common.delete')}
                    onClick={() => setEntries(list.filter((_, j) => j !== i))}
                  >
                    ✕
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="row wrap">
        <button
          class="btn"
          onClick={() =>
            setEntries([
              ...list,
              { weekday: 1, startHour: 8, endHour: 20, line: 'first', userId: cards[0]?.id ?? '' },
            ])
          }
        >
          {t('template.add')}
        </button>
        <button class="btn primary" disabled={entries === null} onClick={() => void save()}>
          {t('template.save')}
        </button>
        <span class="spacer" />
        <label class="field inline">
          <span>{t('template.weeks')}</span>
          <input
            type="number"
            min={1}
            max={12}
            value={weeks}
            onInput={(e) => setWeeks(Number(e.currentTarget.value))}
          />
        </label>
        <button class="btn ok" disabled={entries !== null} onClick={() => void materialise()}>
          {t('template.materialise')}
        </button>
      </div>
      {entries !== null && <p class="muted small">{t('template.unsaved')}</p>}
      {msg && (
        <p class="receipt ok" role="status">
          {msg}
        </p>
      )}
      <ErrorBox error={error} onForce={force ?? undefined} />
    </section>
  )
}
