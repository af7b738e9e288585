import { useState } from 'preact/hooks'
import { t } from '../i18n/index.ts'

/** An ECG attachment: an image, or (PDF/HEIC the browser cannot draw) a link that opens it. */
export function AttachmentImage(props: { id: string; onOpen?: () => void }) {
  const [failed, setFailed] = useState(false)
  const src = `/api/attachments/${props.id}`
  if (failed)
    return (
      <a class="btn" href={src} target="_blank" rel="noopener">
        {t('ecg.view')}
      </a>
    )
  const img = <img src={src} alt={t('ecg.title')} onError={() => setFailed(true)} />
  return props.onOpen ? (
    <button class="ecg-thumb" onClick={props.onOpen} aria-label={t('ecg.view')} data-testid="ecg-thumb">
      {img}
    </button>
  ) : (
    img
  )
}
