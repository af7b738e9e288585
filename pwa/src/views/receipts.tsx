import { useEffect, useState } from 'preact/hooks'
import { failureLine, receiptLines, type ReceiptAttempt } from '../../../workflows/core/receipts.ts'
import { api } from '../api.ts'
import { lang } from '../i18n/index.ts'
import { hasRole } from '../store.ts'

/**
 * Who was tried, how, and who answered (docs/alert-channels.md): one calm line per person,
 * rendered from the catalogue. Failures only for the people who can act on them (admin, QA,
 * cardiologists), never as red noise on the township tablet.
 */
export function Receipts(props: { caseId: string; version: number }) {
  const [attempts, setAttempts] = useState<ReceiptAttempt[]>([])
  useEffect(() => {
    api<ReceiptAttempt[]>('GET', `/api/cases/${props.caseId}/notifications`)
      .then(setAttempts)
      .catch(() => setAttempts([]))
  }, [props.caseId, props.version])
  const lines = receiptLines(lang(), attempts)
  const failures = hasRole('admin', 'qa', 'cardiologist') ? failureLine(lang(), attempts) : null
  if (!lines.length && !failures) return null
  return (
    <div data-testid="channel-receipts">
      {lines.map((l) => (
        <p class="receipt" key={l}>
          {l}
        </p>
      ))}
      {failures && (
        <p class="muted" data-testid="channel-failures">
          {failures}
        </p>
      )}
    </div>
  )
}
