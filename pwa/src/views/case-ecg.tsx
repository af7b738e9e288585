/**
 * The ECG on a case screen (the township's tablet and the crew's phone): the upload card, which
 * opens the remote read, and the full-screen viewer of an uploaded image with who sent it when.
 */
import { useState } from 'preact/hooks'
import { ApiFailure, uploadAttachment } from '../api.ts'
import { EcgViewer } from '../components/ecg-viewer.tsx'
import { problemText, t } from '../i18n/index.ts'
import { recordEvent } from '../store.ts'
import type { TimelineEntry } from './use-case.ts'

/** The ids of the ECG images uploaded to the case, oldest first. */
const attachmentsOf = (timeline: TimelineEntry[]): string[] =>
  timeline.filter((e) => typeof e.data.attachmentId === 'string').map((e) => e.data.attachmentId as string)

/** ECG from the camera or a file, with upload progress; the upload opens the remote read. */
export function EcgCard(props: { caseId: string; timeline: TimelineEntry[]; onView: (id: string) => void }) {
  const lastAttachmentId = attachmentsOf(props.timeline).at(-1)
  const [progress, setProgress] = useState<number | null>(null)
  const [msg, setMsg] = useState('')
  const upload = async (file: File | undefined) => {
    if (!file) return
    if (!navigator.onLine) return setMsg(t('ecg.offline'))
    setMsg('')
    setProgress(0)
    try {
      const r = await uploadAttachment(props.caseId, file, setProgress)
      await recordEvent(props.caseId, 'ecg_transmitted', { via: 'upload', attachmentId: r.id })
      setMsg(t('ecg.uploaded'))
    } catch (e) {
      const m =
        e instanceof ApiFailure
          ? e.status === 0
            ? t('ecg.offline')
            : problemText(e.code, e.params, e.status)
          : String(e)
      setMsg(t('ecg.failed', { m }))
    } finally {
      setProgress(null)
    }
  }
  return (
    <section class="card" aria-labelledby="ecg-h">
      <h2 id="ecg-h">{t('ecg.title')}</h2>
      <div class="row wrap">
        <label class="btn primary file">
          {t('ecg.camera')}
          <input
            type="file"
            accept="image/*"
            capture="environment"
            data-testid="ecg-camera"
            onChange={(e) => void upload(e.currentTarget.files?.[0])}
          />
        </label>
        <label class="btn file">
          {t('ecg.file')}
          <input
            type="file"
            accept="image/jpeg,image/png,image/heic,application/pdf"
            data-testid="ecg-file"
            onChange={(e) => void upload(e.currentTarget.files?.[0])}
          />
        </label>
        <button
          class="btn"
          onClick={() => void recordEvent(props.caseId, 'ecg_transmitted', { via: 'realtime' })}
        >
          {t('ecg.machine')}
        </button>
        {lastAttachmentId && (
          <button class="btn" onClick={() => props.onView(lastAttachmentId)}>
            {t('ecg.view')}
          </button>
        )}
      </div>
      {progress !== null && (
        <div
          class="progress"
          role="progressbar"
          aria-valuenow={Math.round(progress * 100)}
          aria-valuemin={0}
          aria-valuemax={100}
        >
          <div style={{ width: `${Math.round(progress * 100)}%` }} />
          <span>{t('ecg.uploading', { p: Math.round(progress * 100) })}</span>
        </div>
      )}
      {msg && (
        <p class="notice" data-testid="ecg-msg">
          {msg}
        </p>
      )}
    </section>
  )
}

/** The uploaded ECG `attachmentId` full-screen, with its acquisition time and who uploaded it when. */
export function CaseEcgViewer(props: {
  attachmentId: string
  timeline: TimelineEntry[]
  acquiredAt: string | null
  onClose: () => void
}) {
  const upload = props.timeline.find((e) => e.data.attachmentId === props.attachmentId)
  return (
    <EcgViewer
      src={`/api/attachments/${props.attachmentId}`}
      onClose={props.onClose}
      acquiredAt={props.acquiredAt}
      uploadedBy={upload?.byName ?? null}
      uploadedAt={upload?.at ?? null}
    />
  )
}
