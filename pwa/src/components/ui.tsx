import type { ComponentChildren } from 'preact'
import { useRef, useState } from 'preact/hooks'
import { useNow } from '../bus.ts'
import { serverNow } from '../server-clock.ts'
import { clock, deadlineTone, hhmm, isoLocal } from '../clinical.ts'
import type { Deadline } from '../api.ts'
import { t } from '../i18n/index.ts'

export function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren }) {
  return (
    <div class="backdrop" onClick={(e) => e.target === e.currentTarget && props.onClose()}>
      <div class="dialog" role="dialog" aria-modal="true" aria-label={props.title}>
        <h2>{props.title}</h2>
        {props.children}
      </div>
    </div>
  )
}

/** A local date-time input value (yyyy-MM-ddTHH:mm) for `d`. */
export const toInputValue = (d: Date) => isoLocal(d).slice(0, 16)

/** Time of a clinical event: now by default, editable to back-date (never in the future). */
export function TimeField(props: { value: string; onInput: (v: string) => void; label?: string }) {
  return (
    <label class="field">
      <span>{props.label ?? t('time.when')}</span>
      <input
        type="datetime-local"
        step={60}
        value={props.value}
        max={toInputValue(new Date(Date.now() + 60_000))}
        onInput={(e) => props.onInput(e.currentTarget.value)}
        data-testid="time-input"
      />
    </label>
  )
}

/** Parse the datetime-local value; null if empty or in the future (1 min grace for clock skew). */
export function parseInputTime(v: string): Date | null {
  const d = new Date(v)
  if (Number.isNaN(d.getTime()) || d.getTime() > Date.now() + 60_000) return null
  return d
}

/**
 * Record a time point with extra fields (children): the time defaults to now and can be moved
 * back (back-dating); `ready` gates the Record button.
 */
export function RecordDialog(props: {
  title: string
  onRecord: (at: Date) => void
  onClose: () => void
  ready?: boolean
  children?: ComponentChildren
}) {
  const [initial] = useState(() => toInputValue(new Date()))
  const [v, setV] = useState(initial)
  // Untouched means "now", to the second (the input only holds minutes).
  const at = v === initial ? new Date() : parseInputTime(v)
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      {props.children}
      <TimeField value={v} onInput={setV} />
      {!at && <p class="error">{t('time.future')}</p>}
      <div class="row">
        <button class="btn" onClick={props.onClose}>
          {t('time.cancel')}
        </button>
        <button
          class="btn primary"
          data-testid="dialog-record"
          disabled={!at || props.ready === false}
          onClick={() => at && props.onRecord(v === initial ? new Date(serverNow()) : at)}
        >
          {t('time.record')}
        </button>
      </div>
    </Dialog>
  )
}

/**
 * A big one-tap time-point button: tap = now; long-press (600 ms) asks for an earlier time.
 * Shows ✓ and the time once recorded, and "not yet synced" while it waits in the outbox.
 */
export function TimePointButton(props: {
  label: string
  type: string
  done?: { at: string; pending: boolean } | undefined
  /** The next step of the usual path: highlighted. */
  next?: boolean
  onTap: () => void
  onLongPress: () => void
  disabled?: boolean
}) {
  const timer = useRef<number | null>(null)
  const longPressed = useRef(false)
  const start = () => {
    longPressed.current = false
    timer.current = window.setTimeout(() => {
      longPressed.current = true
      props.onLongPress()
    }, 600)
  }
  const cancel = () => {
    if (timer.current !== null) clearTimeout(timer.current)
    timer.current = null
  }
  const cls = [
    'tp',
    props.done ? (props.done.pending ? 'tp-pending' : 'tp-done') : props.next ? 'tp-next' : '',
  ].join(' ')
  return (
    <button
      class={cls}
      data-testid={`tp-${props.type}`}
      disabled={props.disabled}
      onPointerDown={start}
      onPointerUp={cancel}
      onPointerLeave={cancel}
      onContextMenu={(e) => e.preventDefault()}
      onClick={() => {
        cancel()
        if (longPressed.current) return
        props.onTap()
      }}
    >
      <span class="tp-label">{props.label}</span>
      {props.done && (
        <span class="tp-time">
          ✓ {hhmm(props.done.at)}
          {props.done.pending && <em class="unsynced"> · {t('case.unsynced')}</em>}
        </span>
      )}
    </button>
  )
}

/** Live colour countdown: green → amber at warnAt → red at dueAt, from the local clock. */
export function Countdown(props: { d: Deadline }) {
  const now = useNow(1000)
  const d = props.d
  const tone = deadlineTone(d, now)
  const due = Date.parse(d.dueAt)
  const text =
    d.status === 'met'
      ? t('deadline.met', { t: d.metAt ? hhmm(d.metAt) : '' })
      : d.status === 'missed' && d.metAt
        ? t('deadline.missed')
        : now < due
          ? t('deadline.remaining', { t: clock(due - now) })
          : t('deadline.over', { t: clock(now - due) })
  return (
    <div class={`countdown tone-${tone}`} data-testid={`deadline-${d.rule}`} data-tone={tone} role="timer">
      <span class="cd-rule">{t(`rule.${d.rule}`)}</span>
      <span class="cd-time">{text}</span>
    </div>
  )
}
