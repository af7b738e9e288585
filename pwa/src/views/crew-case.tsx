import { useEffect, useState } from 'preact/hooks'
import { local } from '../api.ts'
import { useBus } from '../bus.ts'
import { hhmm, isoLocal } from '../clinical.ts'
import { RecordDialog } from '../components/ui.tsx'
import type { ClinicalEventType } from '../../../workflows/core/event-types.ts'
import { t } from '../i18n/index.ts'
import { MAX_QUEUED, shareStatus, startSharing, type ShareStatus } from '../position-share.ts'
import { facilityName, recordEvent, session } from '../store.ts'
import {
  AdviceCard,
  BolusDialog,
  ChecklistPanel,
  Countdowns,
  doseOf,
  RefusedList,
  Timeline,
} from './case-panels.tsx'
import { CaseEcgViewer, EcgCard } from './case-ecg.tsx'
import { Receipts } from './receipts.tsx'
import {
  checklistPoint,
  RepeatDialog,
  TimeDialog,
  TimePointGrid,
  type TimePoint,
} from './time-point-grid.tsx'
import { useCase } from './use-case.ts'
import { sexLabel } from './patient-fields.tsx'

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
  const nextStep = EMS_PATH.find((type) => !c.latest(type))
  // A second tap asks first (as on the township's screen): more often a doubt than a new event.
  const tap = (type: ClinicalEventType, data: Record<string, unknown> = {}): TimePoint => ({
    type,
    label: t(`ev.${type}`),
    onTap: () => {
      const e = c.latest(type)
      if (e) setDialog({ kind: 'repeat', type, at: e.at, data })
      else void record(type, data)
    },
    onLongPress: () => setDialog({ kind: 'time', type, data }),
  })
  const destinationOf = (
    type: 'ems_left_scene' | 'arrived',
    label: string,
    disabled?: boolean,
  ): TimePoint => ({
    type,
    label,
    onTap: () => setDialog({ kind: 'destination', type }),
    onLongPress: () => setDialog({ kind: 'destination', type }),
    ...(disabled === undefined ? {} : { disabled }),
  })
  const emsPoints = [
    ...(['ems_call', 'ems_dispatched', 'ems_departed', 'ems_on_scene'] as const).map((type) => tap(type)),
    destinationOf('ems_left_scene', t('ev.ems_left_scene')),
    destinationOf('arrived', t('crew.arrivedAt'), !left),
  ]
  const lysisPoints: TimePoint[] = [
    checklistPoint(showChecklist, setShowChecklist),
    tap('consent_started'),
    tap('consent_signed'),
    {
      type: 'lysis_bolus',
      label: t('lysis.bolus'),
      onTap: () => setDialog({ kind: 'bolus' }),
      onLongPress: () => setDialog({ kind: 'bolus' }),
    },
    tap('lysis_end'),
  ]
  const goingTo = typeof left?.data.toFacilityId === 'string' ? left.data.toFacilityId : ''
  const sex = sexLabel(v.patient.sex)

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
        <TimePointGrid points={emsPoints} latest={c.latest} next={nextStep} />
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
      <EcgCard caseId={v.id} timeline={c.timeline} onView={setEcgOpen} />
      <TimePointGrid points={[tap('ecg_acquired', { facilityId: unit })]} latest={c.latest} />
      <AdviceCard view={v} />
      <section class="card" aria-labelledby="lysis-h">
        <h2 id="lysis-h">{t('crew.lysis.title')}</h2>
        {!prehospitalLysis ? (
          <p class="muted" data-testid="crew-no-lysis">
            {t('crew.lysis.notAllowed')}
          </p>
        ) : (
          <>
            <TimePointGrid points={lysisPoints} latest={c.latest} />
            {showChecklist && (
              <ChecklistPanel caseId={v.id} view={v} drugs={usableDrugs} recorded={checklistEv} />
            )}
          </>
        )}
      </section>
      <Countdowns deadlines={c.deadlines} />
      <Timeline entries={c.timeline} />

      {ecgOpen && (
        <CaseEcgViewer
          attachmentId={ecgOpen}
          timeline={c.timeline}
          acquiredAt={c.latest('ecg_acquired')?.at ?? null}
          onClose={() => setEcgOpen(null)}
        />
      )}
      {dialog?.kind === 'repeat' && (
        <RepeatDialog
          label={t(`ev.${dialog.type}`)}
          at={dialog.at}
          onClose={close}
          onConfirm={() => void record(dialog.type, dialog.data)}
        />
      )}
      {dialog?.kind === 'time' && (
        <TimeDialog
          type={dialog.type}
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
