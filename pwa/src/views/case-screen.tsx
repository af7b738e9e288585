import { useState } from 'preact/hooks'
import { DIAGNOSES, hhmm } from '../clinical.ts'
import { RecordDialog } from '../components/ui.tsx'
import { summaryOf } from '../components/decision-banner.tsx'
import type { ClinicalEventType } from '../../../workflows/core/event-types.ts'
import { t, pick } from '../i18n/index.ts'
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
import { RecordNumberPanel } from './record-number.tsx'
import {
  checklistPoint,
  RepeatDialog,
  TimeDialog,
  TimePointGrid,
  type TimePoint,
} from './time-point-grid.tsx'
import { useCase } from './use-case.ts'
import { sexLabel } from './patient-fields.tsx'

type DialogState =
  | { kind: 'time'; type: ClinicalEventType; data: Record<string, unknown> }
  | { kind: 'diagnosis' }
  | { kind: 'strategy' }
  | { kind: 'bolus' }
  | { kind: 'transfer'; type: 'transfer_decided' | 'departed' }
  | { kind: 'reperfusion' }
  | {
      kind: 'repeat'
      type: ClinicalEventType
      label: string
      at: string
      /** What to open after "record again": a dialog, or record `data` now. */
      then: NonNullable<DialogState> | { now: Record<string, unknown> }
    }
  | null

/** The township physician's case screen (tablet, 1024×768): clocks, one-tap time points, ECG, checklist, timeline. */
export function CaseScreen(props: { caseId: string }) {
  const c = useCase(props.caseId)
  const [dialog, setDialog] = useState<DialogState>(null)
  const [backdate, setBackdate] = useState(false)
  const [showChecklist, setShowChecklist] = useState(false)
  const [ecgOpen, setEcgOpen] = useState<string | null>(null)
  const [choice, setChoice] = useState<string>('')
  const [reason, setReason] = useState('')
  const [st, setSt] = useState<boolean | null>(null)
  const [pain, setPain] = useState<boolean | null>(null)

  const v = c.view
  if (!v) return <main>{c.notFound ? t('case.notFound') : t('case.loading')}</main>

  const net = session.network
  const myFacilityId = session.user?.facilityIds[0] ?? v.facilityId
  const myFacility = net?.facilities.find((f) => f.id === myFacilityId)
  const county = net?.facilities.find((f) => f.level === 'county')
  const atCounty = myFacility?.level === 'county'
  const drugs = myFacility?.lysisDrugs.length ? myFacility.lysisDrugs : ['tenecteplase']
  const close = () => {
    setDialog(null)
    setChoice('')
    setReason('')
    setSt(null)
    setPain(null)
  }
  const record = (type: ClinicalEventType, data: Record<string, unknown> = {}, at?: Date) => {
    void recordEvent(v.id, type, data, at)
    close()
  }
  // The next step of the usual path is highlighted (the first one not yet recorded).
  const NEXT_ORDER = [
    'arrived',
    'ecg_acquired',
    'diagnosis',
    'strategy',
    'lysis_checklist',
    'consent_started',
    'consent_signed',
    'lysis_bolus',
    'transfer_decided',
    'departed',
  ]
  const nextStep = NEXT_ORDER.find((type) => !c.latest(type))
  // A time point already recorded (stored or waiting to sync) asks before recording a repeat:
  // a second tap is more often a doubt about the first than a second event.
  type Then = NonNullable<DialogState> | { now: Record<string, unknown> }
  const guard = (type: ClinicalEventType, label: string, then: Then, go: () => void) => {
    const e = c.latest(type)
    if (e) setDialog({ kind: 'repeat', type, label, at: e.at, then })
    else go()
  }
  const simple = (
    type: ClinicalEventType,
    data: Record<string, unknown> = {},
    label = t(`ev.${type}`),
  ): TimePoint => ({
    type,
    label,
    onTap: () =>
      backdate
        ? guard(type, label, { kind: 'time', type, data }, () => setDialog({ kind: 'time', type, data }))
        : guard(type, label, { now: data }, () => record(type, data)),
    onLongPress: () => setDialog({ kind: 'time', type, data }),
  })
  /** A point recorded through its dialog; `guarded`, a repeat asks first (see `guard`). */
  const withDialog = (
    type: ClinicalEventType,
    label: string,
    d: NonNullable<DialogState>,
    guarded = false,
  ): TimePoint => ({
    type,
    label,
    onTap: () => (guarded ? guard(type, label, d, () => setDialog(d)) : setDialog(d)),
    onLongPress: () => setDialog(d),
  })
  // The usual path, in order; the county's own points only at the county.
  const points: TimePoint[] = [
    simple('arrived', { facilityId: myFacilityId }),
    simple('ecg_acquired', { facilityId: myFacilityId }),
    withDialog('diagnosis', t('ev.diagnosis'), { kind: 'diagnosis' }),
    withDialog('strategy', t('ev.strategy'), { kind: 'strategy' }),
    checklistPoint(showChecklist, setShowChecklist),
    simple('consent_started'),
    simple('consent_signed'),
    withDialog('lysis_bolus', t('lysis.bolus'), { kind: 'bolus' }, true),
    simple('lysis_end'),
    withDialog('transfer_decided', t('transfer.decide'), { kind: 'transfer', type: 'transfer_decided' }),
    // The question on a repeat names the event (ev.cath_lab_activated); the button says what it does.
    { ...simple('cath_lab_activated'), label: t('transfer.activate') },
    withDialog('departed', t('transfer.depart'), { kind: 'transfer', type: 'departed' }, true),
    withDialog('reperfusion_assessment', t('ev.reperfusion_assessment'), { kind: 'reperfusion' }),
    ...(atCounty ? [simple('cath_lab_ready'), simple('wire_crossed')] : []),
  ]

  const checklistEv = c.latest('lysis_checklist')
  const decision = c.latest('lysis_decision')
  const decisionSummary = decision ? summaryOf([decision]) : null
  const dose = doseOf(v, checklistEv, drugs)
  // The core's own deadlines over the server's events and the outbox (see use-case.ts).
  const deadlines = [...c.deadlines].sort((a, b) => {
    const rank = (s: string) => (s === 'pending' ? 0 : s === 'missed' ? 1 : 2)
    return rank(a.status) - rank(b.status) || Date.parse(a.dueAt) - Date.parse(b.dueAt)
  })
  const sex = sexLabel(v.patient.sex)

  return (
    <main class="case">
      <header class="case-head">
        <div>
          <h1 data-testid="case-patient">
            {t('case.patient', { sex, age: v.patient.age })}
            {v.patient.weightKg ? ` · ${v.patient.weightKg} kg` : ''}
            {v.patient.name ? ` · ${v.patient.name}` : ''}
            {v.patient.recordNumber ? ` · ${t('app.recordNumber.short', { n: v.patient.recordNumber })}` : ''}
          </h1>
          <span class="muted">{facilityName(v.facilityId)}</span>
          <RecordNumberPanel caseId={v.id} />
        </div>
        <span class="phase" data-testid="case-phase">
          {t(`phase.${v.phase}`)}
        </span>
      </header>
      {c.stale && <p class="notice">{t('case.notLoaded')}</p>}
      {v.consult?.acknowledgedByName ? (
        <p class="receipt" data-testid="read-receipt">
          {t('case.readReceipt', {
            name: v.consult.acknowledgedByName,
            time: hhmm(v.consult.acknowledgedAt ?? v.consult.openedAt),
          })}
        </p>
      ) : (
        c.latest('ecg_transmitted') && <p class="notice">{t('case.consultOpen')}</p>
      )}
      <Receipts caseId={v.id} version={v.events.length} />
      {decisionSummary && (
        <p
          class={`receipt ${decisionSummary.outcome === 'approved' ? 'ok' : 'bad'}`}
          data-testid="lysis-decision"
        >
          {decisionSummary.text}
        </p>
      )}
      <RefusedList items={c.refused} />
      {v.flags.length > 0 && (
        <details class="card">
          <summary>
            {t('case.flags')} ({v.flags.length})
          </summary>
          <ul>
            {v.flags.map((f) => (
              <li key={f.code}>{pick(f.message)}</li>
            ))}
          </ul>
        </details>
      )}
      <div class="case-grid">
        <div>
          <section class="card" aria-labelledby="tp-h">
            <div class="row spread">
              <h2 id="tp-h">{t('case.timepoints')}</h2>
              <button
                class={`btn ${backdate ? 'selected' : ''}`}
                aria-pressed={backdate}
                data-testid="backdate"
                onClick={() => setBackdate(!backdate)}
              >
                {backdate ? t('case.backdateOn') : t('case.backdate')}
              </button>
            </div>
            <p class="muted small">{t('case.backdateHint')}</p>
            <TimePointGrid points={points} latest={c.latest} next={nextStep} />
          </section>
          {!decision && (checklistEv || c.latest('strategy')?.data.strategy === 'pharmacoinvasive') && (
            <p class="notice">{t('lysis.awaitingDecision')}</p>
          )}
          {showChecklist && <ChecklistPanel caseId={v.id} view={v} drugs={drugs} recorded={checklistEv} />}
          <AdviceCard view={v} />
        </div>
        <aside>
          {/* The ECG upload sits above the fold at 1024 × 768: it is what the county waits for. */}
          <EcgCard caseId={v.id} timeline={c.timeline} onView={setEcgOpen} />
          <Countdowns deadlines={deadlines} />
          <Timeline entries={c.timeline} />
        </aside>
      </div>

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
          label={dialog.label}
          at={dialog.at}
          onClose={close}
          onConfirm={() =>
            'now' in dialog.then ? record(dialog.type, dialog.then.now) : setDialog(dialog.then)
          }
        />
      )}
      {dialog?.kind === 'time' && (
        <TimeDialog
          type={dialog.type}
          onClose={close}
          onRecord={(at) => record(dialog.type, dialog.data, at)}
        />
      )}
      {dialog?.kind === 'diagnosis' && (
        <RecordDialog
          title={t('dx.choose')}
          onClose={close}
          ready={choice !== ''}
          onRecord={(at) => record('diagnosis', { diagnosis: choice }, at)}
        >
          <div class="choices">
            {DIAGNOSES.map((d) => (
              <button
                key={d}
                class={`btn choice ${choice === d ? 'selected' : ''}`}
                aria-pressed={choice === d}
                data-testid={`dx-${d}`}
                onClick={() => setChoice(d)}
              >
                {t(`dx.${d}`)}
              </button>
            ))}
          </div>
        </RecordDialog>
      )}
      {dialog?.kind === 'strategy' && (
        <RecordDialog
          title={t('strategy.title')}
          onClose={close}
          ready={choice !== '' && (choice !== 'conservative' || reason.trim() !== '')}
          onRecord={(at) =>
            record(
              'strategy',
              {
                strategy: choice,
                ...(reason.trim() ? { reason: reason.trim() } : {}),
                ...(v.advice && isAdvice(v.advice.advice) ? { advice: v.advice.advice } : {}),
              },
              at,
            )
          }
        >
          {v.advice && <p class="advice">{t(`strategy.advice.${v.advice.advice}`)}</p>}
          <div class="choices">
            {(['primary_pci', 'pharmacoinvasive', 'conservative'] as const).map((s) => (
              <button
                key={s}
                class={`btn choice ${choice === s ? 'selected' : ''}`}
                aria-pressed={choice === s}
                data-testid={`strategy-${s}`}
                onClick={() => setChoice(s)}
              >
                {t(`strategy.${s}`)}
              </button>
            ))}
          </div>
          <label class="field">
            <span>{t('strategy.reason')}</span>
            <input value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          </label>
        </RecordDialog>
      )}
      {dialog?.kind === 'bolus' && (
        <BolusDialog dose={dose} onClose={close} onRecord={(at, data) => record('lysis_bolus', data, at)} />
      )}
      {dialog?.kind === 'transfer' && (
        <RecordDialog
          title={dialog.type === 'departed' ? t('transfer.depart') : t('transfer.decide')}
          onClose={close}
          ready={!!county}
          onRecord={(at) =>
            record(
              dialog.type,
              dialog.type === 'departed'
                ? { facilityId: myFacilityId, toFacilityId: county!.id }
                : { toFacilityId: county!.id },
              at,
            )
          }
        >
          <p>
            {t('transfer.to')}: <strong>{facilityName(county?.id)}</strong>
          </p>
        </RecordDialog>
      )}
      {dialog?.kind === 'reperfusion' && (
        <RecordDialog
          title={t('ev.reperfusion_assessment')}
          onClose={close}
          ready={st !== null && pain !== null}
          onRecord={(at) => record('reperfusion_assessment', { stResolution: st, painRelief: pain }, at)}
        >
          {(
            [
              ['lysis.stResolution', st, setSt],
              ['lysis.painRelief', pain, setPain],
            ] as const
          ).map(([k, val, set]) => (
            <div class="row" key={k}>
              <span>{t(k)}</span>
              <button
                class={`btn choice ${val === true ? 'selected' : ''}`}
                aria-pressed={val === true}
                onClick={() => set(true)}
              >
                {t('common.yes')}
              </button>
              <button
                class={`btn choice ${val === false ? 'selected' : ''}`}
                aria-pressed={val === false}
                onClick={() => set(false)}
              >
                {t('common.no')}
              </button>
            </div>
          ))}
        </RecordDialog>
      )}
    </main>
  )
}

const ADVICE_KINDS = new Set(['primary_pci', 'pharmacoinvasive', 'transfer_for_lysis', 'primary_pci_delayed'])
const isAdvice = (a: string) => ADVICE_KINDS.has(a)
