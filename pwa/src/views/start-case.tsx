import { useState } from 'preact/hooks'
import { isoLocal } from '../clinical.ts'
import { TimeField, toInputValue, parseInputTime } from '../components/ui.tsx'
import { t } from '../i18n/index.ts'
import { navigate } from '../router.ts'
import { recordEvent, session, startCase, uuid } from '../store.ts'
import { serverNow } from '../server-clock.ts'
import { parseAge, PatientFields, type Sex } from './patient-fields.tsx'

const MODES = ['walk_in', 'ambulance', 'transfer', 'in_hospital'] as const

/** Start protocol: sex, age, weight (optional), onset (approximate), FMC = now by default. */
export function StartCase() {
  const [sex, setSex] = useState<Sex | null>(null)
  const [age, setAge] = useState('')
  const [weight, setWeight] = useState('')
  const [name, setName] = useState('')
  const [recordNumber, setRecordNumber] = useState('')
  const [onsetAgo, setOnsetAgo] = useState('')
  const [mode, setMode] = useState<(typeof MODES)[number]>('walk_in')
  // The input holds minutes only: untouched, FMC is the moment of submission to the second
  // (never the minute the form was opened); edited, it is the time entered.
  const [fmcInitial] = useState(() => toInputValue(new Date()))
  const [fmc, setFmc] = useState(fmcInitial)
  const [arrivedNow, setArrivedNow] = useState(true)
  const [error, setError] = useState('')
  const facilityId = session.user?.facilityIds[0] ?? session.network?.facilities[0]?.id ?? ''

  const submit = async (e: Event) => {
    e.preventDefault()
    const ageN = parseAge(age)
    const at = fmc === fmcInitial ? new Date(serverNow()) : parseInputTime(fmc)
    if (!sex || ageN === null) return setError(t('start.invalidAge'))
    if (!at) return setError(t('time.future'))
    const id = uuid()
    const minutesAgo = Number(onsetAgo)
    await startCase({
      id,
      facilityId,
      patient: {
        sex,
        age: ageN,
        ...(Number(weight) > 0 ? { weightKg: Number(weight) } : {}),
        ...(name.trim() ? { name: name.trim() } : {}),
        ...(recordNumber.trim() ? { recordNumber: recordNumber.trim() } : {}),
      },
      firstMedicalContactAt: isoLocal(at),
      arrivalMode: mode,
      ...(onsetAgo && minutesAgo > 0
        ? {
            symptomOnsetAt: isoLocal(new Date(at.getTime() - minutesAgo * 60_000)),
            symptomOnsetApproximate: true,
          }
        : {}),
    })
    // Door-in is its own event (README.md); at a walk-in it is the same moment as FMC.
    if (arrivedNow) await recordEvent(id, 'arrived', { facilityId }, at)
    navigate(`/cases/${id}`, true)
  }

  return (
    <main class="narrow">
      <h1>{t('start.title')}</h1>
      <form class="card" onSubmit={(e) => void submit(e)}>
        <PatientFields
          sex={sex}
          onSex={setSex}
          age={age}
          onAge={setAge}
          weight={{ value: weight, onInput: setWeight }}
        />
        <label class="field">
          <span>{t('start.name')}</span>
          <input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span>{t('app.recordNumber.label')}</span>
          <input
            name="recordNumber"
            maxLength={40}
            value={recordNumber}
            onInput={(e) => setRecordNumber(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>
            {t('start.onset')} · {t('start.onsetMinutesAgo')} ({t('start.onsetApprox')})
          </span>
          <input
            name="onsetAgo"
            type="number"
            inputMode="numeric"
            min={0}
            placeholder={t('start.onsetUnknown')}
            value={onsetAgo}
            onInput={(e) => setOnsetAgo(e.currentTarget.value)}
          />
        </label>
        <fieldset class="field">
          <legend>{t('start.arrivalMode')}</legend>
          <div class="row wrap">
            {MODES.map((m) => (
              <button
                type="button"
                key={m}
                class={`btn choice ${mode === m ? 'selected' : ''}`}
                aria-pressed={mode === m}
                onClick={() => setMode(m)}
              >
                {t(`arrival.${m}`)}
              </button>
            ))}
          </div>
        </fieldset>
        <TimeField value={fmc} onInput={setFmc} label={t('start.fmc')} />
        <label class="check">
          <input
            type="checkbox"
            checked={arrivedNow}
            onChange={(e) => setArrivedNow(e.currentTarget.checked)}
          />
          <span>{t('start.arrivedNow')}</span>
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button class="btn primary big block" type="submit" data-testid="start-submit">
          {t('start.submit')}
        </button>
      </form>
    </main>
  )
}
