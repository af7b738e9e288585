import { useEffect, useState } from 'preact/hooks'
import { local } from '../api.ts'
import { useBus } from '../bus.ts'
import { hhmm, isoLocal } from '../clinical.ts'
import { EcgViewer } from '../components/ecg-viewer.tsx'
import { Countdown, Dialog, RecordDialog, TimePointButton } from '../components/ui.tsx'
import type { ClinicalEventType } from '../../../workflows/core/event-types.ts'
import { t } from '../i18n/index.ts'
import { MAX_QUEUED, shareStatus, startSharing, type ShareStatus } from '../position-share.ts'
import { facilityName, recordEvent, session } from '../store.ts'
import {
  AdviceCard,
  BolusDialog,
  ChecklistPanel,
  doseOf,
  EcgCard,
  RefusedList,
  Timeline,
} from './case-panels.tsx'
import { Receipts } from './receipts.tsx'
import { useCase } from './use-case.ts'

/** The id the server gives the FMC recorded with the case (workflows/runtime/ids.ts derivedUuid). */
async function derivedUuid(...parts: string[]): Promise<string> {
  const bytes = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(parts.join('\u0000')))
  const h = [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('')
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

type DialogState =
  | { kind: 'time'; type: ClinicalEventType; data: Record<string, unknown> }
  | { kind: 'destination'; type: 'ems_left_scene' | 'arrived' }
  | { kind: 'bolus' }
  | { kind: 'repeat'; type: ClinicalEventType; at: string; data: Record<string, unknown> }
  | null

const EMS_PATH = [
  'ems_call',
  'ems_dispatched',
  'ems_departed',
  'ems_on_scene',
  'ems_left_scene',
  'arrived',
] as const

/**
 * The crew's case screen (phone): the 120 time points with one tap (offline first, through the
 * outbox like the township's), the ECG upload (the same consult path), the pre-hospital lysis
 * panels of the township's screen where the network allows it, the destination, and position
 * sharing while transporting (position-share.ts).
 */
export function CrewCase(props: { caseId: string }) {
  const c = useCase(props.caseId)
  const [dialog, setDialog] = useState<DialogState>(null)
  const [dest, setDest] = useState('')
  const [showChecklist, setShowChecklist] = useState(false)
  const [ecgOpen, setEcgOpen] = useState<string | null>(null)
  const consentKey = 'share.consent.' + props.caseId
  const [consent, setConsent] = useState(() => local.get<boolean>(consentKey) === true)
  const [share, setShare] = useState<ShareStatus>(() => shareStatus(props.caseId))
  useBus(['positions', 'net'], () => setShare(shareStatus(props.caseId)))

  const left = c.latest('ems_left_scene')
  const arrived = c.latest('arrived')
  const transporting = !!left && !(arrived && Date.parse(arrived.at) >= Date.parse(left.at))
  const departedAt = left ? Date.parse(left.at) : null
  useEffect(() => {
    if (!consent || departedAt === null || !transporting) return
    return startSharing(props.caseId, departedAt)
  }, [consent, transporting, departedAt, props.caseId])

  const v = c.view
  if (!v) return <main>{c.notFound ? t('case.notFound') : t('case.loading')}</main>

  const net = session.network
  const destinations = (net?.facilities ?? []).filter((f) => f.level === 'county' || f.level === 'township')
  const prehospitalLysis = net?.network.settings?.prehospitalLysis === true
  const unit = v.facilityId
  const drugs = net?.facilities.find((f) => f.id === unit)?.lysisDrugs ?? []
  const usableDrugs = drugs.length ? drugs : ['tenecteplase']
  const checklistEv = c.latest('lysis_checklist')
  const attachments = c.timeline
    .filter((e) => typeof e.data.attachmentId === 'string')
    .map((e) => e.data.attachmentId as string)
  const close = () => {
    setDialog(null)
    setDest('')
  }
  const record = async (type: ClinicalEventType, data: Record<string, unknown>, at?: Date) => {
    close()
    const when = at ?? new Date()
    await recordEvent(v.id, type, data, at)
    // For a 120 patient the first medical contact is the crew reaching the patient: the case
    // opened with the call's time, moved here to the arrival on scene (a correction, not an edit).
    if (type === 'ems_on_scene' && !c.latest('ems_on_scene')) {
      const fmc = v.events.find((e) => e.type === 'first_medical_contact')?.id
      const eventId = fmc ?? (await derivedUuid(v.id, 'first_medical_contact'))
      await recordEvent(v.id, 'correction', {
        eventId,
        changes: { at: isoLocal(at ?? when) },
        reason: t('crew.fmcReason'),
      })
    }
  }
  const done = (type: string) => {
    const e = c.latest(type)
    return e ? { at: e.at, pending: e.pending } : undefined
  }
  const nextStep = EMS_PATH.find((type) => !c.latest(type))
  // A second tap asks first (as on the township's screen): more often a doubt than a new event.
  const tap = (type: ClinicalEventType, data: Record<string, unknown> = {}) => ({
    onTap: () => {
      const e = c.latest(type)
      if (e) setDialog({ kind: 'repeat', type, at: e.at, data })
      else void record(type, data)
    },
    onLongPress: () => setDialog({ kind: 'time', type, data }),
  })
  const destinationOf = (type: 'ems_left_scene' | 'arrived') => ({
    onTap: () => setDialog({ kind: 'destination', type }),
    onLongPress: () => setDialog({ kind: 'destination', type }),
  })
  const goingTo = typeof left?.data.toFacilityId === 'string' ? left.data.toFacilityId : ''
  const sex = v.patient.sex === 'female' ? t('start.female') : t('start.male')

  return (
    <main class="case crew-case">
      <header class="case-head">
        <div>
          <h1 data-testid="case-patient">{t('case.patient', { sex, age: v.patient.age })}</h1>
          <span class="muted">{facilityName(unit)}</span>
        </div>
        <span class="phase" data-testid="case-phase">
          {t(`phase.${v.phase}`)}
        </span>
      </header>
      {c.stale && <p class="notice">{t('case.notLoaded')}</p>}
      <Receipts caseId={v.id} version={v.events.length} />
      <RefusedList items={c.refused} />
      <section class="card" aria-labelledby="ems-h">
        <h2 id="ems-h">{t('crew.timepoints')}</h2>
        <div class="tp-grid">
          {(['ems_call', 'ems_dispatched', 'ems_departed', 'ems_on_scene'] as const).map((type) => (
            <TimePointButton
              key={type}
              label={t(`ev.${type}`)}
              type={type}
              next={nextStep === type}
              done={done(type)}
              {...tap(type)}
            />
          ))}
          <TimePointButton
            label={t('ev.ems_left_scene')}
            type="ems_left_scene"
            next={nextStep === 'ems_left_scene'}
            done={done('ems_left_scene')}
            {...destinationOf('ems_left_scene')}
          />
          <TimePointButton
            label={t('crew.arrivedAt')}
            type="arrived"
            next={nextStep === 'arrived'}
            done={done('arrived')}
            disabled={!left}
            {...destinationOf('arrived')}
          />
        </div>
        {goingTo && (
          <p data-testid="crew-destination">
            {t('crew.destination')}: <strong>{facilityName(goingTo)}</strong>
          </p>
        )}
      </section>
      <section class="card" aria-labelledby="share-h" data-testid="crew-share">
        <h2 id="share-h">{t('crew.share.title')}</h2>
        <label class="check">
          <input
            type="checkbox"
            data-testid="share-consent"
            checked={consent}
            onChange={(e) => {
              setConsent(e.currentTarget.checked)
              local.set(consentKey, e.currentTarget.checked)
            }}
          />
          <span>{t('crew.share.consent')}</span>
        </label>
        <p class="muted small">{t('crew.share.onlyTransport')}</p>
        {consent && transporting && (
          <p data-testid="share-status">
            {share.error
              ? t(`crew.share.${share.error}`)
              : share.lastFix
                ? t('crew.share.last', { time: hhmm(share.lastFix.at), m: share.lastFix.accuracyM })
                : t('crew.share.waiting')}
          </p>
        )}
        {share.queued > 0 && (
          <p class="notice" data-testid="share-queued">
            {t('crew.share.queued', { n: share.queued, max: MAX_QUEUED })}
          </p>
        )}
        {share.dropped > 0 && <p class="muted small">{t('crew.share.dropped', { n: share.dropped })}</p>}
      </section>
      {/* The ECG from the vehicle goes the township's way: upload, then the remote read. */}
      <EcgCard caseId={v.id} lastAttachmentId={attachments.at(-1)} onView={setEcgOpen} />
      <div class="tp-grid">
        <TimePointButton
          label={t('ev.ecg_acquired')}
          type="ecg_acquired"
          done={done('ecg_acquired')}
          {...tap('ecg_acquired', { facilityId: unit })}
        />
      </div>
      <AdviceCard view={v} />
      <section class="card" aria-labelledby="lysis-h">
        <h2 id="lysis-h">{t('crew.lysis.title')}</h2>
        {!prehospitalLysis ? (
          <p class="muted" data-testid="crew-no-lysis">
            {t('crew.lysis.notAllowed')}
          </p>
        ) : (
          <>
            <div class="tp-grid">
              <TimePointButton
                label={t('ev.lysis_checklist')}
                type="lysis_checklist"
                done={done('lysis_checklist')}
                onTap={() => setShowChecklist(!showChecklist)}
                onLongPress={() => setShowChecklist(true)}
              />
              <TimePointButton
                label={t('ev.consent_started')}
                type="consent_started"
                done={done('consent_started')}
                {...tap('consent_started')}
              />
              <TimePointButton
                label={t('ev.consent_signed')}
                type="consent_signed"
                done={done('consent_signed')}
                {...tap('consent_signed')}
              />
              <TimePointButton
                label={t('lysis.bolus')}
                type="lysis_bolus"
                done={done('lysis_bolus')}
                onTap={() => setDialog({ kind: 'bolus' })}
                onLongPress={() => setDialog({ kind: 'bolus' })}
              />
              <TimePointButton
                label={t('ev.lysis_end')}
                type="lysis_end"
                done={done('lysis_end')}
                {...tap('lysis_end')}
              />
            </div>
            {showChecklist && (
              <ChecklistPanel caseId={v.id} view={v} drugs={usableDrugs} recorded={checklistEv} />
            )}
          </>
        )}
      </section>
      <section class="card" aria-labelledby="cd-h">
        <h2 id="cd-h">{t('case.countdowns')}</h2>
        <div class="countdowns stack">
          {c.deadlines.map((d) => (
            <Countdown key={d.rule} d={d} />
          ))}
        </div>
      </section>
      <Timeline entries={c.timeline} />

      {ecgOpen && (
        <EcgViewer
          src={`/api/attachments/${ecgOpen}`}
          onClose={() => setEcgOpen(null)}
          acquiredAt={c.latest('ecg_acquired')?.at ?? null}
          uploadedBy={c.timeline.find((e) => e.data.attachmentId === ecgOpen)?.byName ?? null}
          uploadedAt={c.timeline.find((e) => e.data.attachmentId === ecgOpen)?.at ?? null}
        />
      )}
      {dialog?.kind === 'repeat' && (
        <Dialog title={t('app.repeat.title')} onClose={close}>
          <p data-testid="repeat-question">
            {t('app.repeat.body', { label: t(`ev.${dialog.type}`), time: hhmm(dialog.at) })}
          </p>
          <div class="row">
            <button class="btn primary" data-testid="repeat-cancel" onClick={close}>
              {t('time.cancel')}
            </button>
            <button
              class="btn"
              data-testid="repeat-confirm"
              onClick={() => void record(dialog.type, dialog.data)}
            >
              {t('app.repeat.confirm')}
            </button>
          </div>
        </Dialog>
      )}
      {dialog?.kind === 'time' && (
        <RecordDialog
          title={t(`ev.${dialog.type}`)}
          onClose={close}
          onRecord={(at) => void record(dialog.type, dialog.data, at)}
        />
      )}
      {dialog?.kind === 'destination' && (
        <RecordDialog
          title={dialog.type === 'arrived' ? t('crew.arrivedAt') : t('ev.ems_left_scene')}
          onClose={close}
          ready={(dest || goingTo) !== ''}
          onRecord={(at) =>
            void record(
              dialog.type,
              dialog.type === 'arrived'
                ? { facilityId: dest || goingTo }
                : { facilityId: unit, toFacilityId: dest || goingTo },
              at,
            )
          }
        >
          <p>{t('crew.chooseDestination')}</p>
          <div class="choices">
            {destinations.map((f) => (
              <button
                key={f.id}
                class={`btn choice ${(dest || goingTo) === f.id ? 'selected' : ''}`}
                aria-pressed={(dest || goingTo) === f.id}
                data-testid={`dest-${f.level}`}
                data-facility={f.id}
                onClick={() => setDest(f.id)}
              >
                {facilityName(f.id)}
              </button>
            ))}
          </div>
        </RecordDialog>
      )}
      {dialog?.kind === 'bolus' && (
        <BolusDialog
          dose={doseOf(v, checklistEv, usableDrugs)}
          onClose={close}
          onRecord={(at, data) => void record('lysis_bolus', data, at)}
        />
      )}
    </main>
  )
}
