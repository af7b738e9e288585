/**
 * What the township's case screen and the crew's share around their time points: the grid of
 * one-tap buttons (a list of points rendered by one loop), the question before a repeat tap, and
 * the dialog that records a point at a chosen time (long press, or back-dating).
 */
import { hhmm } from '../clinical.ts'
import { Dialog, RecordDialog, TimePointButton } from '../components/ui.tsx'
import type { ClinicalEventType } from '../../../workflows/core/event-types.ts'
import { t } from '../i18n/index.ts'
import type { TimelineEntry } from './use-case.ts'

/** One button: a tap records now (or opens the point's dialog); a long press asks for an earlier time. */
export interface TimePoint {
  type: ClinicalEventType
  label: string
  onTap: () => void
  onLongPress: () => void
  disabled?: boolean
}

/**
 * The points as big buttons, each with ✓ and its time once recorded (pending or stored, from
 * `latest`); `next`, the next step of the usual path, is highlighted.
 */
export function TimePointGrid(props: {
  points: TimePoint[]
  latest: (type: string) => TimelineEntry | undefined
  next?: string | undefined
}) {
  return (
    <div class="tp-grid">
      {props.points.map((p) => {
        const e = props.latest(p.type)
        return (
          <TimePointButton
            key={p.type}
            label={p.label}
            type={p.type}
            next={props.next === p.type}
            done={e ? { at: e.at, pending: e.pending } : undefined}
            onTap={p.onTap}
            onLongPress={p.onLongPress}
            disabled={p.disabled}
          />
        )
      })}
    </div>
  )
}

/** The checklist's button: it opens and closes the panel rather than recording anything. */
export const checklistPoint = (shown: boolean, show: (v: boolean) => void): TimePoint => ({
  type: 'lysis_checklist',
  label: t('ev.lysis_checklist'),
  onTap: () => show(!shown),
  onLongPress: () => show(true),
})

/**
 * A point already recorded (stored or waiting to sync) asks before recording a repeat: a second
 * tap is more often a doubt about the first than a second event.
 */
export function RepeatDialog(props: {
  label: string
  at: string
  onClose: () => void
  onConfirm: () => void
}) {
  return (
    <Dialog title={t('app.repeat.title')} onClose={props.onClose}>
      <p data-testid="repeat-question">
        {t('app.repeat.body', { label: props.label, time: hhmm(props.at) })}
      </p>
      <div class="row">
        <button class="btn primary" data-testid="repeat-cancel" onClick={props.onClose}>
          {t('time.cancel')}
        </button>
        <button class="btn" data-testid="repeat-confirm" onClick={props.onConfirm}>
          {t('app.repeat.confirm')}
        </button>
      </div>
    </Dialog>
  )
}

/** Record a point with nothing to choose, at the time entered (now by default). */
export function TimeDialog(props: {
  type: ClinicalEventType
  onClose: () => void
  onRecord: (at: Date) => void
}) {
  return <RecordDialog title={t(`ev.${props.type}`)} onClose={props.onClose} onRecord={props.onRecord} />
}
