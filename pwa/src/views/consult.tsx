import { useEffect, useRef, useState } from 'preact/hooks'
import { useNow } from '../bus.ts'
import { DIAGNOSES, clock, hhmm } from '../clinical.ts'
import { AttachmentImage } from '../components/attachment.tsx'
import { EcgViewer } from '../components/ecg-viewer.tsx'
import { Countdown } from '../components/ui.tsx'
import { hasKey, t } from '../i18n/index.ts'
import { facilityName, recordEvent, session } from '../store.ts'
import { AdviceCard } from './case-panels.tsx'
import { canReceivePush } from './notifications.tsx'
import { useCase } from './use-case.ts'

/**
 * The consult page (phone, 390×844). Above the fold: patient, waiting clock, ECG, the relative
 * contraindication(s) and the decision, which once recorded shows as the decision with a
 * correction (never stays armed). Below: clocks, diagnosis, strategy numbers.
 */
export function ConsultPage(props: { caseId: string; decline: boolean }) {
  const c = useCase(props.caseId)
  const now = useNow(1000)
  const [ecg, setEcg] = useState(false)
  const [declining, setDeclining] = useState(props.decline)
  const [correcting, setCorrecting] = useState(false)
  const [reason, setReason] = useState('')
  const [error, setError] = useState('')
  const acked = useRef(false)
  const v = c.view
  const me = session.user

  // Opening the consult is the read receipt the physician sees (README.md).
  useEffect(() => {
    if (!v || !me || acked.current) return
    const mine = c.timeline.some((e) => e.type === 'consult_acknowledged' && (e.by === me.id || e.pending))
    acked.current = true
    if (!mine && c.latest('ecg_transmitted')) void recordEvent(v.id, 'consult_acknowledged')
  }, [v?.id, c.timeline.length])

  if (!v) return <main>{c.notFound ? t('case.notFound') : t('case.loading')}</main>
  const ecgEvent = c.timeline.filter((e) => typeof e.data.attachmentId === 'string').at(-1)
  const attachment = ecgEvent?.data.attachmentId as string | undefined
  const decision = c.latest('lysis_decision')
  const diagnosis = c.latest('diagnosis')
  const checklist = v.checklist
  const others = [
    ...new Set(c.timeline.map((e) => e.byName).filter((n): n is string => !!n && n !== me?.displayName)),
  ]
  const openedAt = v.consult?.openedAt ?? c.latest('ecg_transmitted')?.at
  const pending = c.deadlines.filter((d) => d.status === 'pending')
  const sex = v.patient.sex === 'female' ? t('start.female') : t('start.male')

  const decide = (d: 'approved' | 'declined') => {
    if (d === 'declined' && !reason.trim()) return setError(t('consult.reasonRequired'))
    void recordEvent(v.id, 'lysis_decision', {
      decision: d,
      ...(reason.trim() ? { reason: reason.trim() } : {}),
    })
    setDeclining(false)
    setError('')
  }

  const other = decision?.data.decision === 'approved' ? 'declined' : 'approved'
  const correct = () => {
    if (!decision) return
    if (!reason.trim()) return setError(t('app.decision.reasonRequired'))
    void recordEvent(v.id, 'correction', {
      eventId: decision.id,
      changes: other === 'declined' ? { decision: other, reason: reason.trim() } : { decision: other },
      reason: reason.trim(),
    })
    setCorrecting(false)
    setReason('')
    setError('')
  }
  const relative = checklist?.relative ?? []

  return (
    <main class="consult">
      {/* First screen at 390 × 844: who, how long, the ECG, what weighs on the decision, the decision. */}
      <header class="case-head consult-head">
        <div>
          <h1 data-testid="consult-patient">
            {t('case.patient', { sex, age: v.patient.age })}
            {v.patient.weightKg ? ` · ${v.patient.weightKg} kg` : ''}
          </h1>
          <span class="muted">{t('consult.facility', { name: facilityName(v.facilityId) })}</span>
        </div>
        {openedAt && (
          <span class="waiting tone-amber" data-testid="consult-clock">
            {t('consults.waiting', { t: clock(now - Date.parse(openedAt)) })}
          </span>
        )}
      </header>
      {attachment ? (
        <AttachmentImage id={attachment} onOpen={() => setEcg(true)} />
      ) : (
        <p class="muted">{t('ecg.none')}</p>
      )}
      <section class="card contra compact" aria-labelledby="rel-h" data-testid="relative">
        <h2 id="rel-h">{t('consult.relative')}</h2>
        {!checklist ? (
          <p class="muted">{t('consult.noChecklist')}</p>
        ) : (
          <>
            {checklist.absolute.length > 0 && (
              <p class="result unsuitable">
                {t('consult.absolute')}: {checklist.absolute.map((k) => t(`ck.${k}`)).join('、')}
              </p>
            )}
            {relative.length === 0 ? (
              <p>{t('consult.noRelative')}</p>
            ) : (
              <ul class="rel-list">
                {relative.map((k) => (
                  <li key={k}>⚠ {hasKey('ck', k) ? t(`ck.${k}`) : k}</li>
                ))}
              </ul>
            )}
          </>
        )}
      </section>
      <section class="card decision" aria-labelledby="dec-h" data-testid="decision-card">
        <h2 id="dec-h" class="sr-only">
          {t('ev.lysis_decision')}
        </h2>
        {decision && !correcting && (
          <div class="row spread">
            <p
              class={`receipt ${decision.data.decision === 'approved' ? 'ok' : 'bad'}`}
              data-testid="consult-decision"
            >
              {decision.data.decision === 'approved'
                ? t('lysis.approved', { name: decision.byName ?? me?.displayName ?? '' })
                : t('lysis.declined', {
                    name: decision.byName ?? me?.displayName ?? '',
                    reason: typeof decision.data.reason === 'string' ? decision.data.reason : '',
                  })}{' '}
              {hhmm(decision.at)}
              {decision.pending && <em class="unsynced"> · {t('case.unsynced')}</em>}
            </p>
            <button class="btn" data-testid="decision-correct" onClick={() => setCorrecting(true)}>
              {t('app.decision.correct')}
            </button>
          </div>
        )}
        {(declining || correcting) && (
          <div>
            <label class="field">
              <span>{correcting ? t('app.decision.reason') : t('consult.declineReason')}</span>
              <textarea
                rows={2}
                value={reason}
                data-testid="decline-reason"
                onInput={(e) => setReason(e.currentTarget.value)}
              />
            </label>
            {error && (
              <p class="error" role="alert">
                {error}
              </p>
            )}
            <div class="row">
              <button
                class="btn"
                onClick={() => {
                  setDeclining(false)
                  setCorrecting(false)
                  setError('')
                }}
              >
                {t('common.cancel')}
              </button>
              {correcting ? (
                <button
                  class={`btn big ${other === 'approved' ? 'ok' : 'danger'}`}
                  data-testid="decision-correct-submit"
                  onClick={correct}
                >
                  {t(other === 'approved' ? 'app.decision.toApproved' : 'app.decision.toDeclined')}
                </button>
              ) : (
                <button
                  class="btn danger big"
                  data-testid="decline-submit"
                  onClick={() => decide('declined')}
                >
                  {t('consult.declineSubmit')}
                </button>
              )}
            </div>
          </div>
        )}
        {!decision && !declining && (
          <div class="row">
            <button class="btn ok big grow" data-testid="approve" onClick={() => decide('approved')}>
              {t('consult.approve')}
            </button>
            <button class="btn danger big grow" data-testid="decline" onClick={() => setDeclining(true)}>
              {t('consult.decline')}
            </button>
          </div>
        )}
      </section>
      {/* Below the fold: clocks, the diagnosis, the strategy numbers, who else is on the case. */}
      <div class="countdowns">
        {pending.map((d) => (
          <Countdown key={d.rule} d={d} />
        ))}
      </div>
      <section class="card">
        <h2>{t('dx.choose')}</h2>
        {diagnosis && (
          <p>
            <strong>
              {hasKey('dx', diagnosis.data.diagnosis) ? t(`dx.${diagnosis.data.diagnosis}`) : '—'}
            </strong>{' '}
            {hhmm(diagnosis.at)}
            {diagnosis.pending && <em class="unsynced"> · {t('case.unsynced')}</em>}
          </p>
        )}
        <div class="choices">
          {DIAGNOSES.slice(0, 3).map((d) => (
            <button
              key={d}
              class="btn choice"
              data-testid={`consult-dx-${d}`}
              onClick={() => void recordEvent(v.id, 'diagnosis', { diagnosis: d })}
            >
              {t(`dx.${d}`)}
            </button>
          ))}
        </div>
      </section>
      <AdviceCard view={v} />
      {others.length > 0 && <p class="muted">{t('consult.others', { names: others.join('、') })}</p>}
      {!canReceivePush() && (
        <p class="notice small" data-testid="consult-no-push">
          {t('consult.noPush')}
        </p>
      )}
      {ecg && attachment && (
        <EcgViewer
          src={`/api/attachments/${attachment}`}
          onClose={() => setEcg(false)}
          acquiredAt={c.latest('ecg_acquired')?.at ?? null}
          uploadedBy={ecgEvent?.byName ?? null}
          uploadedAt={ecgEvent?.at ?? null}
        />
      )}
    </main>
  )
}
