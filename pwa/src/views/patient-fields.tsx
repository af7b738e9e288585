/**
 * The patient's fields of a new case, shared by the township's start protocol (start-case.tsx)
 * and the crew's new 120 call (crew.tsx): sex, age and, on the tablet, the weight beside the age.
 */
import { t } from '../i18n/index.ts'

export type Sex = 'male' | 'female'

/** The patient's sex in words. */
export const sexLabel = (s: string) => (s === 'female' ? t('start.female') : t('start.male'))

/** The age typed, if it is one (1–129 years), else null. */
export function parseAge(v: string): number | null {
  const n = Number(v)
  return v !== '' && n > 0 && n < 130 ? n : null
}

export function PatientFields(props: {
  sex: Sex | null
  onSex: (s: Sex) => void
  age: string
  onAge: (v: string) => void
  /** Asked beside the age when given (the start protocol; the crew weighs no one at the scene). */
  weight?: { value: string; onInput: (v: string) => void }
}) {
  const age = (
    <label class="field">
      <span>{t('start.age')}</span>
      <input
        name="age"
        type="number"
        inputMode="numeric"
        min={1}
        max={129}
        value={props.age}
        onInput={(e) => props.onAge(e.currentTarget.value)}
      />
    </label>
  )
  return (
    <>
      <fieldset class="field">
        <legend>{t('start.sex')}</legend>
        <div class="row">
          {(['male', 'female'] as const).map((s) => (
            <button
              type="button"
              key={s}
              class={`btn choice ${props.sex === s ? 'selected' : ''}`}
              aria-pressed={props.sex === s}
              data-testid={`sex-${s}`}
              onClick={() => props.onSex(s)}
            >
              {sexLabel(s)}
            </button>
          ))}
        </div>
      </fieldset>
      {props.weight ? (
        <div class="row">
          {age}
          <label class="field">
            <span>{t('start.weight')}</span>
            <input
              name="weight"
              type="number"
              inputMode="decimal"
              min={20}
              max={300}
              value={props.weight.value}
              onInput={(e) => props.weight?.onInput(e.currentTarget.value)}
            />
          </label>
        </div>
      ) : (
        age
      )}
    </>
  )
}
