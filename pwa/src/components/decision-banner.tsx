import { useEffect, useState } from 'preact/hooks'
import { api, local, type CaseEvent, type CaseView } from '../api.ts'
import { hhmm } from '../clinical.ts'
import { t } from '../i18n/index.ts'

/** The recorded lysis decision of a case, as a banner says it (the latest `lysis_decision`). */
export interface DecisionSummary {
  outcome: 'approved' | 'declined'
  text: string
}

export const summaryOf = (
  events: readonly Pick<CaseEvent, 'type' | 'at' | 'byName' | 'data'>[],
): DecisionSummary | null => {
  const e = events.filter((x) => x.type === 'lysis_decision').at(-1)
  if (!e) return null
  const name = e.byName ?? ''
  const time = hhmm(e.at)
  if (e.data.decision === 'approved')
    return { outcome: 'approved', text: t('app.township.bannerApproved', { name, time }) }
  const reason = typeof e.data.reason === 'string' ? e.data.reason.trim() : ''
  return {
    outcome: 'declined',
    text: reason
      ? t('app.township.bannerDeclined', { reason, name, time })
      : t('app.township.bannerDeclinedNoReason', { name, time }),
  }
}

/**
 * What was decided, for a `decision` banner: the stream carries ids and codes only, so the words
 * come from the case itself (the saved copy at once, then the server's).
 */
export function useDecision(caseId: string, enabled: boolean): DecisionSummary | null {
  const [s, setS] = useState<DecisionSummary | null>(() => {
    const v = enabled ? local.get<CaseView>('case.' + caseId) : null
    return v ? summaryOf(v.events) : null
  })
  useEffect(() => {
    if (!enabled) return
    let live = true
    api<CaseView>('GET', `/api/cases/${caseId}`)
      .then((v) => live && setS(summaryOf(v.events)))
      .catch(() => undefined)
    return () => {
      live = false
    }
  }, [caseId, enabled])
  return s
}
