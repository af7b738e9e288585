import { useState } from 'preact/hooks'
import { api, local, type CaseSummary } from '../api.ts'
import { useBus } from '../bus.ts'
import { isoLocal } from '../clinical.ts'
import { TimeField, parseInputTime, toInputValue } from '../components/ui.tsx'
import { t } from '../i18n/index.ts'
import { navigate } from '../router.ts'
import { serverNow } from '../server-clock.ts'
import { facilityName, recordEvent, session, startCase, uuid } from '../store.ts'
import { parseAge, PatientFields, sexLabel, type Sex } from './patient-fields.tsx'

/** The ambulance units this crew member is signed in for (their own facilities of level ambulance). */
export function myAmbulances(): string[] {
  const mine = session.user?.facilityIds ?? []
  const known = session.network?.facilities.filter((f) => f.level === 'ambulance').map((f) => f.id)
  return known && known.length > 0 ? mine.filter((id) => known.includes(id)) : mine
}

/**
 * The 120 crew's home (phone): the active calls of the unit and "new 120 call" — the call's
 * time, the patient's sex and age, the vehicle. Works offline: the case goes through the outbox.
 */
export function CrewHome() {
  const [cases, setCases] = useState<CaseSummary[]>(() => local.get<CaseSummary[]>('cases') ?? [])
  useBus(['cases'], () => {
    api<{ cases: CaseSummary[] }>('GET', '/api/cases?status=active')
      .then((r) => {
        setCases(r.cases)
        local.set('cases', r.cases)
      })
      .catch(() => undefined)
  })
  const units = myAmbulances()
  const [unit, setUnit] = useState(units[0] ?? '')
  const [sex, setSex] = useState<Sex | null>(null)
  const [age, setAge] = useState('')
  // Untouched, the call time is the moment of submission; edited, the time entered.
  const [callInitial] = useState(() => toInputValue(new Date()))
  const [callAt, setCallAt] = useState(callInitial)
  const [error, setError] = useState('')

  const submit = async (e: Event) => {
    e.preventDefault()
    const ageN = parseAge(age)
    if (!sex || ageN === null) return setError(t('start.invalidAge'))
    const at = callAt === callInitial ? new Date(serverNow()) : parseInputTime(callAt)
    if (!at) return setError(t('time.future'))
    const facilityId = unit || units[0] || ''
    const id = uuid()
    // The server needs a first medical contact to open the case: the call until the crew is on
    // scene, when it is corrected to the arrival on scene (crew-case.tsx).
    await startCase({
      id,
      facilityId,
      patient: { sex, age: ageN },
      firstMedicalContactAt: isoLocal(at),
      arrivalMode: 'ambulance',
    })
    await recordEvent(id, 'ems_call', {}, at)
    navigate(`/crew/cases/${id}`, true)
  }

  return (
    <main class="narrow crew">
      <div class="row spread">
        <h1>{t('crew.title')}</h1>
        {units[0] && <span class="muted">{t('crew.unit', { name: facilityName(units[0]) })}</span>}
      </div>
      <form class="card" onSubmit={(e) => void submit(e)} data-testid="crew-start">
        <h2>{t('crew.start')}</h2>
        <TimeField value={callAt} onInput={setCallAt} label={t('crew.callAt')} />
        <PatientFields sex={sex} onSex={setSex} age={age} onAge={setAge} />
        {units.length > 1 && (
          <label class="field">
            <span>{t('crew.ambulance')}</span>
            <select name="ambulance" value={unit} onChange={(e) => setUnit(e.currentTarget.value)}>
              {units.map((id) => (
                <option key={id} value={id}>
                  {facilityName(id)}
                </option>
              ))}
            </select>
          </label>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button class="btn primary big block" type="submit" data-testid="crew-start-submit">
          {t('crew.startSubmit')}
        </button>
      </form>
      <h2>{t('crew.active')}</h2>
      {cases.length === 0 && <p class="muted">{t('crew.none')}</p>}
      <ul class="cases">
        {cases.map((c) => (
          <li key={c.id}>
            <a class="case-row" href={`/crew/cases/${c.id}`}>
              <strong>
                {sexLabel(c.patient.sex)} {c.patient.age}
              </strong>
              <span class="phase">{t(`phase.${c.phase}`)}</span>
            </a>
          </li>
        ))}
      </ul>
    </main>
  )
}
