import { useState } from 'preact/hooks'
import type { CaseView, Deadline } from '../api.ts'
import { Countdown, Dialog, RecordDialog } from '../components/ui.tsx'
import { ABSOLUTE_KEYS, RELATIVE_KEYS, hhmm, suggestDose, type Dose } from '../clinical.ts'
import { drugName, hasKey, pick, problemText, t } from '../i18n/index.ts'
import type { RefusedItem } from '../outbox.ts'
import { facilityName, flushNow, outbox, recordEvent, uuid } from '../store.ts'
import type { TimelineEntry } from './use-case.ts'

/** Strategy advice numbers (docs/clinical-rules.md), as the server computed them. */
export function AdviceCard(props: { view: CaseView | null }) {
  const a = props.view?.advice
  return (
    <section class="card" aria-labelledby="adv-h" data-testid="advice">
      <h2 id="adv-h">{t('strategy.advice')}</h2>
      {!a ? (
        <p class="muted">{t('strategy.none')}</p>
      ) : (
        <>
          <p class="advice">{t(`strategy.advice.${a.advice}`)}</p>
          <ul class="numbers">
            {a.travelMinutes != null && <li>{t('strategy.travel', { n: a.travelMinutes })}</li>}
            {a.remainingDidoMinutes != null && (
              <li>{t('strategy.remainingDido', { n: a.remainingDidoMinutes })}</li>
            )}
            {a.doorToWireMinutes != null && <li>{t('strategy.doorToWire', { n: a.doorToWireMinutes })}</li>}
            {a.diagnosisToWireMinutes != null && (
              <li>
                <strong>{t('strategy.diagnosisToWire', { n: a.diagnosisToWireMinutes })}</strong>
              </li>
            )}
          </ul>
          {a.reasons.map((r, i) => (
            <p key={i} class="muted">
              {pick(r)}
            </p>
          ))}
        </>
      )}
    </section>
  )
}

/** The thrombolysis screening list (docs/clinical-rules.md) with the suggested dose; every item must be answered. */
export function ChecklistPanel(props: {
  caseId: string
  view: CaseView | null
  drugs: string[]
  recorded: TimelineEntry | undefined
}) {
  const p = props.view?.patient
  // A saved checklist reopens with its answers (a re-save is a new event, the old one stays).
  const saved = props.recorded?.data
  const [answers, setAnswers] = useState<Record<string, boolean>>(() =>
    saved && typeof saved.answers === 'object' && saved.answers !== null
      ? { ...(saved.answers as Record<string, boolean>) }
      : {},
  )
  const [confirmAllNo, setConfirmAllNo] = useState(false)
  const [weight, setWeight] = useState(
    typeof saved?.weightKg === 'number' ? String(saved.weightKg) : p?.weightKg ? String(p.weightKg) : '',
  )
  const [drug, setDrug] = useState(
    typeof saved?.drug === 'string' && props.drugs.includes(saved.drug)
      ? saved.drug
      : (props.drugs[0] ?? 'tenecteplase'),
  )
  const [manualDose, setManualDose] = useState('')
  const suggested = suggestDose(drug, Number(weight) || null, p?.age ?? 0)
  const dose: Dose | null =
    suggested ?? (Number(manualDose) > 0 ? { drug, doseMg: Number(manualDose), doseFraction: 'full' } : null)
  // The network's own list (Chinese or ESC 2023), from the case view; the Chinese list by default.
  const absoluteKeys = props.view?.checklistItems?.absolute ?? ABSOLUTE_KEYS
  const relativeKeys = props.view?.checklistItems?.relative ?? RELATIVE_KEYS
  const unanswered = [...absoluteKeys, ...relativeKeys].filter((k) => answers[k] === undefined).length
  const anyAbsolute = absoluteKeys.some((k) => answers[k])
  const result = props.view?.checklist
  const save = () => {
    if (!dose || unanswered > 0) return
    void recordEvent(props.caseId, 'lysis_checklist', {
      answers,
      weightKg: Number(weight),
      drug: dose.drug,
      doseMg: dose.doseMg,
      doseFraction: dose.doseFraction,
    })
  }
  /** The item's words, from the catalogue (every key of both lists has one: messages/keys.ts). */
  const ckLabel = (k: string): string => (hasKey('ck', k) ? t(`ck.${k}`) : t('app.township.ckUnknown'))
  const allKeys = [...absoluteKeys, ...relativeKeys]
  const item = (k: string, absolute: boolean) => (
    <li key={k} class={`ck ${answers[k] ? (absolute ? 'ck-abs' : 'ck-rel') : ''}`}>
      <span>{ckLabel(k)}</span>
      <div class="yesno" role="group" aria-label={ckLabel(k)}>
        <button
          class={`btn choice ${answers[k] === true ? 'selected yes' : ''}`}
          aria-pressed={answers[k] === true}
          data-testid={`ck-${k}-yes`}
          onClick={() => setAnswers({ ...answers, [k]: true })}
        >
          {t('checklist.yes')}
        </button>
        <button
          class={`btn choice ${answers[k] === false ? 'selected' : ''}`}
          aria-pressed={answers[k] === false}
          data-testid={`ck-${k}-no`}
          onClick={() => setAnswers({ ...answers, [k]: false })}
        >
          {t('checklist.no')}
        </button>
      </div>
    </li>
  )
  return (
    <section class="card checklist" aria-labelledby="ck-h" data-testid="checklist">
      <h2 id="ck-h">{t('checklist.title')}</h2>
      {result && (
        <p class={`result ${result.result}`} data-testid="checklist-result">
          {t(result.result === 'suitable' ? 'checklist.suitable' : 'checklist.unsuitable')}
          {result.relative.length > 0 &&
            ` · ${t('consult.relative')}: ${result.relative.map(ckLabel).join('、')}`}
        </p>
      )}
      {props.recorded && !result && (
        <p class="notice">
          {t('checklist.done')} {hhmm(props.recorded.at)}
        </p>
      )}
      {props.recorded && (
        <p class="muted small" data-testid="checklist-reopened">
          {t('app.township.ckReopened', { time: hhmm(props.recorded.at) })}
        </p>
      )}
      <div class="row">
        <button class="btn" data-testid="ck-all-no" onClick={() => setConfirmAllNo(true)}>
          {t('app.township.allNo')}
        </button>
      </div>
      <fieldset class="ck-group ck-group-abs" data-testid="ck-group-absolute">
        <legend>{t('checklist.absolute')}</legend>
        <ul class="cklist">{absoluteKeys.map((k) => item(k, true))}</ul>
      </fieldset>
      <fieldset class="ck-group ck-group-rel" data-testid="ck-group-relative">
        <legend>{t('checklist.relative')}</legend>
        <ul class="cklist">{relativeKeys.map((k) => item(k, false))}</ul>
      </fieldset>
      {confirmAllNo && (
        <Dialog title={t('app.township.allNo')} onClose={() => setConfirmAllNo(false)}>
          <p data-testid="ck-all-no-question">{t('app.township.allNoConfirm', { n: allKeys.length })}</p>
          <div class="row">
            <button class="btn" onClick={() => setConfirmAllNo(false)}>
              {t('time.cancel')}
            </button>
            <button
              class="btn primary"
              data-testid="ck-all-no-confirm"
              onClick={() => {
                setAnswers(Object.fromEntries(allKeys.map((k) => [k, false])))
                setConfirmAllNo(false)
              }}
            >
              {t('app.township.allNoYes')}
            </button>
          </div>
        </Dialog>
      )}
      <div class="row wrap">
        <label class="field">
          <span>{t('checklist.weight')}</span>
          <input
            type="number"
            inputMode="decimal"
            min={20}
            max={300}
            value={weight}
            data-testid="ck-weight"
            onInput={(e) => setWeight(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>{t('checklist.drug')}</span>
          <select value={drug} onChange={(e) => setDrug(e.currentTarget.value)}>
            {props.drugs.map((d) => (
              <option key={d} value={d}>
                {drugName(d)}
              </option>
            ))}
          </select>
        </label>
        {!suggested && drug !== 'tenecteplase' && (
          <label class="field">
            <span>{t('checklist.dose')} (mg)</span>
            <input
              type="number"
              inputMode="decimal"
              value={manualDose}
              onInput={(e) => setManualDose(e.currentTarget.value)}
            />
          </label>
        )}
      </div>
      <p class="dose" data-testid="dose">
        {t('checklist.dose')}:{' '}
        {dose ? (
          <strong>
            {t('checklist.doseValue', {
              drug: drugName(dose.drug),
              mg: dose.doseMg,
              fraction: t(dose.doseFraction === 'half' ? 'checklist.half' : 'checklist.full'),
            })}
          </strong>
        ) : (
          t('checklist.noDose')
        )}
      </p>
      <p class="muted">{t('checklist.neverAuto')}</p>
      {anyAbsolute && <p class="result unsuitable">{t('checklist.unsuitable')}</p>}
      {unanswered > 0 && <p class="muted">{t('checklist.unanswered', { n: unanswered })}</p>}
      <button
        class="btn primary big"
        disabled={!dose || unanswered > 0}
        data-testid="checklist-submit"
        onClick={save}
      >
        {t('checklist.submit')}
      </button>
    </section>
  )
}

function detail(e: TimelineEntry): string {
  const d = e.data
  const parts: string[] = []
  if (hasKey('dx', d.diagnosis)) parts.push(t(`dx.${d.diagnosis}`))
  if (hasKey('strategy', d.strategy)) parts.push(t(`strategy.${d.strategy}`))
  if (typeof d.decision === 'string') parts.push(d.decision === 'approved' ? '✓' : '✗')
  if (typeof d.doseMg === 'number') parts.push(`${drugName(d.drug)} ${d.doseMg} mg`)
  if (typeof d.toFacilityId === 'string') parts.push('→ ' + facilityName(d.toFacilityId))
  if (hasKey('rule', d.rule)) parts.push(t(`rule.${d.rule}`))
  // A system event's reason is a code (an early escalation); a physician's is free text.
  if (hasKey('reason', d.reason)) parts.push(t(`reason.${d.reason}`))
  else if (typeof d.reason === 'string') parts.push(d.reason)
  if (typeof d.text === 'string') parts.push(d.text)
  return parts.join(' · ')
}

/** The case's running and finished clocks (docs/clinical-rules.md), in the order given. */
export function Countdowns(props: { deadlines: Deadline[] }) {
  return (
    <section class="card" aria-labelledby="cd-h">
      <h2 id="cd-h">{t('case.countdowns')}</h2>
      <div class="countdowns stack">
        {props.deadlines.map((d) => (
          <Countdown key={d.rule} d={d} />
        ))}
      </div>
    </section>
  )
}

/** Everything recorded, by clinical time; unsynced entries are marked. */
export function Timeline(props: { entries: TimelineEntry[] }) {
  return (
    <section class="card" aria-labelledby="tl-h">
      <h2 id="tl-h">{t('case.timeline')}</h2>
      <ol class="timeline" data-testid="timeline">
        {props.entries.map((e) => (
          <li
            key={e.id}
            class={
              e.pending ? 'pending' : e.type.startsWith('deadline_') || e.type === 'escalated' ? 'system' : ''
            }
            data-type={e.type}
          >
            <time>{hhmm(e.at)}</time>
            <span>
              <strong>{t(`ev.${e.type}`)}</strong> {detail(e)}
              {e.byName && <span class="muted"> · {e.byName}</span>}
              {e.pending && <em class="unsynced"> · {t('case.unsynced')}</em>}
            </span>
          </li>
        ))}
      </ol>
    </section>
  )
}

/** What the server refused (409/422) and why; the physician can dismiss or record it anyway with a reason. */
export function RefusedList(props: { items: RefusedItem[] }) {
  const [reasons, setReasons] = useState<Record<string, string>>({})
  if (props.items.length === 0) return null
  return (
    <section class="card refused" role="alert" data-testid="refused">
      <h2>{t('case.refused')}</h2>
      <p>{t('case.refusedHelp')}</p>
      <ul>
        {props.items.map((r) => (
          <li key={r.id}>
            <strong>{t(`ev.${hasKey('ev', r.body.type) ? r.body.type : 'first_medical_contact'}`)}</strong>{' '}
            {typeof r.body.at === 'string' ? hhmm(r.body.at) : ''} — {problemText(r.code, r.params, r.status)}
            <div class="row wrap">
              <button class="btn" onClick={() => void outbox.dismissRefused(r.id)}>
                {t('case.dismiss')}
              </button>
              {r.kind === 'event' && (
                <>
                  <input
                    aria-label={t('case.overrideReason')}
                    placeholder={t('case.overrideReason')}
                    value={reasons[r.id] ?? ''}
                    onInput={(e) => setReasons({ ...reasons, [r.id]: e.currentTarget.value })}
                  />
                  <button
                    class="btn"
                    disabled={!reasons[r.id]?.trim()}
                    onClick={() => {
                      const { id: _old, ...body } = r.body
                      void outbox
                        .enqueueEvent(r.caseId, {
                          ...body,
                          id: uuid(),
                          override: { reason: reasons[r.id]!.trim() },
                        })
                        .then(() => outbox.dismissRefused(r.id))
                        .then(flushNow)
                    }}
                  >
                    {t('case.override')}
                  </button>
                </>
              )}
            </div>
          </li>
        ))}
      </ul>
    </section>
  )
}

/** The dose to confirm at the bolus: the server's, else the checklist's, else the suggestion. */
export function doseOf(view: CaseView, checklist: TimelineEntry | undefined, drugs: string[]): Dose | null {
  if (view.dose) return view.dose
  if (checklist)
    return {
      drug: String(checklist.data.drug),
      doseMg: Number(checklist.data.doseMg),
      doseFraction: checklist.data.doseFraction as 'full' | 'half',
    }
  return suggestDose(drugs[0]!, view.patient.weightKg, view.patient.age)
}

/** Confirm the bolus with its dose (the township's screen and the crew's): never automatic. */
export function BolusDialog(props: {
  dose: Dose | null
  onClose: () => void
  onRecord: (at: Date, data: Record<string, unknown>) => void
}) {
  const dose = props.dose
  if (!dose)
    return (
      <RecordDialog title={t('lysis.bolus')} onClose={props.onClose} ready={false} onRecord={props.onClose}>
        <p>{t('checklist.noDose')}</p>
      </RecordDialog>
    )
  return (
    <RecordDialog
      title={t('lysis.bolus')}
      onClose={props.onClose}
      onRecord={(at) =>
        props.onRecord(at, { drug: dose.drug, doseMg: dose.doseMg, doseFraction: dose.doseFraction })
      }
    >
      <p class="dose big" data-testid="bolus-dose">
        {t('lysis.confirmDose', { drug: drugName(dose.drug), mg: dose.doseMg })} (
        {t(dose.doseFraction === 'half' ? 'lysis.halfDose' : 'lysis.fullDose')})
      </p>
      <p class="muted">{t('checklist.neverAuto')}</p>
    </RecordDialog>
  )
}
