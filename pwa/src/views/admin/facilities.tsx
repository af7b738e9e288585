import { useState } from 'preact/hooks'
import { api } from '../../api.ts'
import { ErrorBox, LoadState, useApi } from '../../components/data.tsx'
import { Dialog } from '../../components/ui.tsx'
import type { LysisDrug } from '../../../../workflows/core/dosing.ts'
import { lang, t } from '../../i18n/index.ts'
import { loadNetwork } from '../../store.ts'

export type Level = 'village' | 'township' | 'county'
export interface AdminFacility {
  id: string
  name: string
  nameEn: string | null
  level: Level
  address: string | null
  hasCathLab: boolean
  lysisDrugs: LysisDrug[]
  lysisRegimens: Partial<Record<LysisDrug, string>>
  canLyse: boolean
  active: boolean
  minutesToCounty: number | null
  minutesFromCounty: number | null
}

export const DRUGS = ['tenecteplase', 'rhTNK-tPA', 'alteplase', 'reteplase', 'prourokinase'] as const
const NEEDS_REGIMEN = new Set(['alteplase', 'reteplase', 'prourokinase'])
const LEVELS: Level[] = ['county', 'township', 'village']

export const fname = (f: { name: string; nameEn: string | null }) =>
  lang() === 'en' ? (f.nameEn ?? f.name) : f.name

/**
 * The network as a map-like list: the county PCI center at the top, then townships and villages
 * ordered by ambulance minutes to the county, each with a bar as long as the trip, its drugs and
 * its cath lab.
 */
export function FacilitiesPage() {
  const l = useApi<{ facilities: AdminFacility[] }>('/api/admin/facilities')
  const [editing, setEditing] = useState<AdminFacility | 'new' | 'new-village' | null>(null)
  const [showInactive, setShowInactive] = useState(false)
  const all = l.data?.facilities ?? []
  const shown = all.filter((f) => showInactive || f.active)
  const maxMin = Math.max(60, ...all.map((f) => f.minutesToCounty ?? 0))
  const done = () => {
    setEditing(null)
    l.reload()
    void loadNetwork()
  }
  return (
    <section>
      <div class="row spread">
        <h2>{t('fac.title')}</h2>
        <div class="row wrap">
          <label class="check">
            <input
              type="checkbox"
              checked={showInactive}
              onChange={(e) => setShowInactive(e.currentTarget.checked)}
            />
            <span>{t('fac.showInactive')}</span>
          </label>
          <button class="btn primary" data-testid="fac-new" onClick={() => setEditing('new')}>
            {t('fac.new')}
          </button>
          <button class="btn" data-testid="fac-new-village" onClick={() => setEditing('new-village')}>
            {t('app.township.addVillage')}
          </button>
        </div>
      </div>
      <LoadState l={l} />
      {LEVELS.map((level) => {
        const group = shown
          .filter((f) => f.level === level)
          .sort((a, b) => (a.minutesToCounty ?? 0) - (b.minutesToCounty ?? 0))
        if (group.length === 0) return null
        return (
          <div key={level} class="fac-group">
            <h3>
              {t(`level.${level}`)} <span class="muted">({group.length})</span>
            </h3>
            <ul class="fac-list">
              {group.map((f) => (
                <li key={f.id} class={`fac ${f.active ? '' : 'inactive'}`} data-testid="facility">
                  <div class="fac-main">
                    <strong>{fname(f)}</strong>
                    {lang() !== 'en' && f.nameEn && <span class="muted small"> {f.nameEn}</span>}
                    {!f.active && <span class="chip">{t('fac.inactive')}</span>}
                    {f.address && <div class="muted small">{f.address}</div>}
                  </div>
                  {f.level !== 'county' && (
                    <div class="fac-dist" title={t('fac.toCounty')}>
                      <span
                        class="dist-bar"
                        style={{ width: `${Math.min(100, ((f.minutesToCounty ?? 0) / maxMin) * 100)}%` }}
                      />
                      <span class={f.minutesToCounty == null ? 'error' : ''}>
                        {f.minutesToCounty == null
                          ? t('fac.noTravel')
                          : t('fac.minutes', {
                              to: f.minutesToCounty,
                              back: f.minutesFromCounty ?? f.minutesToCounty,
                            })}
                      </span>
                    </div>
                  )}
                  <div class="chips">
                    {f.hasCathLab && <span class="chip cath">{t('fac.cathLab')}</span>}
                    {f.lysisDrugs.map((d) => (
                      <span key={d} class="chip drug">
                        {t(`drug.${d}`)}
                      </span>
                    ))}
                    {f.level === 'township' && f.lysisDrugs.length === 0 && (
                      <span class="chip">{t('fac.noLysis')}</span>
                    )}
                  </div>
                  <button class="btn" onClick={() => setEditing(f)}>
                    {t('common.edit')}
                  </button>
                </li>
              ))}
            </ul>
          </div>
        )
      })}
      {editing && (
        <FacilityForm
          facility={editing === 'new' || editing === 'new-village' ? null : editing}
          hasCounty={all.some((f) => f.level === 'county' && f.active)}
          lysisTownships={all.filter((f) => f.level === 'township' && f.canLyse && f.active)}
          villageFirst={editing === 'new-village'}
          onClose={() => setEditing(null)}
          onDone={done}
        />
      )}
    </section>
  )
}

/**
 * The level a new facility starts with: the county first; then a township until one that can
 * lyse exists; after that most additions are village rescue points.
 */
export function defaultLevel(hasCounty: boolean, lysisTownships: number, villageFirst: boolean): Level {
  if (!hasCounty) return 'county'
  if (villageFirst) return 'village'
  return lysisTownships > 0 ? 'village' : 'township'
}

function FacilityForm(props: {
  facility: AdminFacility | null
  hasCounty: boolean
  lysisTownships: AdminFacility[]
  villageFirst: boolean
  onClose: () => void
  onDone: () => void
}) {
  const f = props.facility
  const [name, setName] = useState(f?.name ?? '')
  const [nameEn, setNameEn] = useState(f?.nameEn ?? '')
  const [level, setLevel] = useState<Level>(
    f?.level ?? defaultLevel(props.hasCounty, props.lysisTownships.length, props.villageFirst),
  )
  const [toTownships, setToTownships] = useState<Record<string, string>>({})
  const [address, setAddress] = useState(f?.address ?? '')
  const [drugs, setDrugs] = useState<string[]>(f?.lysisDrugs ?? [])
  const [regimens, setRegimens] = useState<Record<string, string>>(f?.lysisRegimens ?? {})
  const [toCounty, setToCounty] = useState(f?.minutesToCounty?.toString() ?? '')
  const [back, setBack] = useState(
    f?.minutesFromCounty != null && f.minutesFromCounty !== f.minutesToCounty
      ? String(f.minutesFromCounty)
      : '',
  )
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const run = async (p: () => Promise<unknown>) => {
    setBusy(true)
    setError(null)
    try {
      await p()
      props.onDone()
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }
  const save = (e: Event) => {
    e.preventDefault()
    const body: Record<string, unknown> = {
      name: name.trim(),
      nameEn: nameEn.trim() || null,
      address: address.trim() || null,
    }
    if (!f) body.level = level
    else if (level !== f.level) body.level = level
    if (level === 'county') body.hasCathLab = true
    if (level !== 'village') {
      body.lysisDrugs = drugs
      body.lysisRegimens = Object.fromEntries(
        Object.entries(regimens).filter(([d, v]) => drugs.includes(d) && v.trim()),
      )
      if (level === 'township' && drugs.length === 0) body.canLyse = false
    }
    if (level !== 'county' && toCounty) {
      const minutes = Number(toCounty)
      const changed =
        !f || minutes !== f.minutesToCounty || (back ? Number(back) : minutes) !== f.minutesFromCounty
      if (changed) body.travelToCounty = back ? { minutes, minutesBack: Number(back) } : { minutes }
    }
    if (level === 'village') {
      const given = Object.entries(toTownships).filter(([, m]) => m.trim() !== '')
      if (given.length > 0 || !f)
        body.travelToTownships = given.map(([facilityId, m]) => ({ facilityId, minutes: Number(m) }))
    }
    void run(() =>
      f ? api('PATCH', `/api/admin/facilities/${f.id}`, body) : api('POST', '/api/admin/facilities', body),
    )
  }
  return (
    <Dialog title={f ? t('fac.edit', { name: fname(f) }) : t('fac.new')} onClose={props.onClose}>
      <form onSubmit={save} data-testid="fac-form">
        <div class="row wrap">
          <label class="field">
            <span>{t('fac.name')}</span>
            <input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
          </label>
          <label class="field">
            <span>{t('fac.nameEn')}</span>
            <input name="nameEn" value={nameEn} onInput={(e) => setNameEn(e.currentTarget.value)} />
          </label>
        </div>
        <label class="field">
          <span>{t('fac.level')}</span>
          <select
            name="level"
            value={level}
            disabled={f?.level === 'county'}
            onChange={(e) => setLevel(e.currentTarget.value as Level)}
          >
            {LEVELS.map((lv) => (
              <option key={lv} value={lv}>
                {t(`level.${lv}`)}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>{t('fac.address')}</span>
          <input name="address" value={address} onInput={(e) => setAddress(e.currentTarget.value)} />
        </label>
        {level !== 'county' && (
          <div class="row wrap">
            <label class="field">
              <span>{t('fac.toCountyMin')}</span>
              <input
                name="toCounty"
                type="number"
                min={1}
                max={1439}
                inputMode="numeric"
                value={toCounty}
                onInput={(e) => setToCounty(e.currentTarget.value)}
              />
            </label>
            <label class="field">
              <span>{t('fac.backMin')}</span>
              <input
                name="back"
                type="number"
                min={1}
                max={1439}
                inputMode="numeric"
                placeholder={toCounty}
                value={back}
                onInput={(e) => setBack(e.currentTarget.value)}
              />
            </label>
          </div>
        )}
        {level === 'village' && props.lysisTownships.length > 0 && (
          <fieldset class="field" data-testid="fac-village-travel">
            <legend>{t('app.township.villageTravel')}</legend>
            <p class="muted small">{t('app.township.villageTravelHint')}</p>
            <div class="row wrap">
              {props.lysisTownships.map((tw) => (
                <label class="field" key={tw.id}>
                  <span>{fname(tw)}</span>
                  <input
                    name={`toTownship-${tw.id}`}
                    type="number"
                    min={1}
                    max={1439}
                    inputMode="numeric"
                    value={toTownships[tw.id] ?? ''}
                    onInput={(e) => setToTownships({ ...toTownships, [tw.id]: e.currentTarget.value })}
                  />
                </label>
              ))}
            </div>
          </fieldset>
        )}
        {level === 'county' && <p class="muted">{t('fac.countyCath')}</p>}
        {level !== 'village' && (
          <fieldset class="field">
            <legend>{t('fac.drugs')}</legend>
            {DRUGS.map((d) => (
              <div key={d}>
                <label class="check">
                  <input
                    type="checkbox"
                    name={`drug-${d}`}
                    checked={drugs.includes(d)}
                    onChange={(e) =>
                      setDrugs(e.currentTarget.checked ? [...drugs, d] : drugs.filter((x) => x !== d))
                    }
                  />
                  <span>{t(`drug.${d}`)}</span>
                </label>
                {drugs.includes(d) && NEEDS_REGIMEN.has(d) && (
                  <label class="field">
                    <span>{t('fac.regimen', { drug: t(`drug.${d}`) })}</span>
                    <textarea
                      rows={2}
                      value={regimens[d] ?? ''}
                      onInput={(e) => setRegimens({ ...regimens, [d]: e.currentTarget.value })}
                    />
                  </label>
                )}
              </div>
            ))}
            {level === 'township' && drugs.length === 0 && <p class="muted small">{t('fac.noDrugHint')}</p>}
          </fieldset>
        )}
        <ErrorBox error={error} />
        <div class="row wrap">
          <button type="button" class="btn" onClick={props.onClose}>
            {t('common.cancel')}
          </button>
          <button class="btn primary" type="submit" disabled={busy} data-testid="fac-save">
            {t('common.save')}
          </button>
          <span class="spacer" />
          {f && f.level !== 'county' && (
            <button
              type="button"
              class={`btn ${f.active ? 'danger' : 'ok'}`}
              disabled={busy}
              onClick={() =>
                void run(() =>
                  api('POST', `/api/admin/facilities/${f.id}/${f.active ? 'deactivate' : 'reactivate'}`, {}),
                )
              }
            >
              {f.active ? t('fac.deactivate') : t('fac.reactivate')}
            </button>
          )}
        </div>
      </form>
    </Dialog>
  )
}

interface TravelData {
  countyFacilityId: string | null
  facilities: { id: string; name: string; nameEn: string | null; level: Level; active: boolean }[]
  travel: { from: string; to: string; minutes: number }[]
  missingToCounty: string[]
}

/**
 * Travel minutes: by default each facility to and from the county (the pair strategy advice
 * needs); the full matrix can be edited cell by cell, symmetric unless "one way" is ticked.
 */
export function TravelPage() {
  const l = useApi<TravelData>('/api/admin/travel')
  const [full, setFull] = useState(false)
  const [cell, setCell] = useState<{ from: string; to: string } | null>(null)
  const d = l.data
  const mins = new Map((d?.travel ?? []).map((x) => [`${x.from}>${x.to}`, x.minutes]))
  const facs = (d?.facilities ?? [])
    .filter((f) => f.active)
    .sort((a, b) => LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level) || a.name.localeCompare(b.name, 'zh'))
  const county = d?.countyFacilityId
  const byId = new Map(facs.map((f) => [f.id, f]))
  return (
    <section>
      <div class="row spread">
        <h2>{t('travel.title')}</h2>
        <div class="row wrap" role="group">
          <button class={`btn ${full ? '' : 'selected'}`} onClick={() => setFull(false)}>
            {t('travel.toCounty')}
          </button>
          <button
            class={`btn ${full ? 'selected' : ''}`}
            onClick={() => setFull(true)}
            data-testid="travel-full"
          >
            {t('travel.full')}
          </button>
        </div>
      </div>
      <p class="muted small">{t('travel.hint')}</p>
      <LoadState l={l} />
      {d && d.missingToCounty.length > 0 && (
        <p class="receipt bad">
          {t('travel.missing', {
            names: d.missingToCounty.map((id) => (byId.get(id) ? fname(byId.get(id)!) : id)).join('、'),
          })}
        </p>
      )}
      {d && county && !full && (
        <table class="grid-table">
          <thead>
            <tr>
              <th>{t('travel.facility')}</th>
              <th>{t('travel.there')}</th>
              <th>{t('travel.back')}</th>
            </tr>
          </thead>
          <tbody>
            {facs
              .filter((f) => f.id !== county)
              .map((f) => (
                <tr key={f.id}>
                  <th scope="row">
                    {fname(f)} <span class="muted small">{t(`level.${f.level}`)}</span>
                  </th>
                  {[
                    [f.id, county],
                    [county, f.id],
                  ].map(([a, b]) => (
                    <td key={`${a}${b}`}>
                      <CellButton m={mins.get(`${a}>${b}`)} onClick={() => setCell({ from: a!, to: b! })} />
                    </td>
                  ))}
                </tr>
              ))}
          </tbody>
        </table>
      )}
      {d && full && (
        <div class="scroll-x" tabIndex={0} aria-label={t('travel.full')}>
          <table class="grid-table matrix">
            <thead>
              <tr>
                <th>{t('travel.fromTo')}</th>
                {facs.map((f) => (
                  <th key={f.id} scope="col" class="vert">
                    {fname(f)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {facs.map((a) => (
                <tr key={a.id}>
                  <th scope="row">{fname(a)}</th>
                  {facs.map((b) => (
                    <td key={b.id}>
                      {a.id === b.id ? (
                        <span class="muted">—</span>
                      ) : (
                        <CellButton
                          m={mins.get(`${a.id}>${b.id}`)}
                          onClick={() => setCell({ from: a.id, to: b.id })}
                        />
                      )}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cell && (
        <TravelCell
          from={byId.get(cell.from)!}
          to={byId.get(cell.to)!}
          minutes={mins.get(`${cell.from}>${cell.to}`)}
          back={mins.get(`${cell.to}>${cell.from}`)}
          onClose={() => setCell(null)}
          onDone={() => {
            setCell(null)
            l.reload()
          }}
        />
      )}
    </section>
  )
}

function CellButton(props: { m: number | undefined; onClick: () => void }) {
  return (
    <button
      class={`btn cell ${props.m === undefined ? 'empty' : ''}`}
      onClick={props.onClick}
      data-testid="travel-cell"
    >
      {props.m ?? '+'}
    </button>
  )
}

function TravelCell(props: {
  from: { id: string; name: string; nameEn: string | null }
  to: { id: string; name: string; nameEn: string | null }
  minutes: number | undefined
  back: number | undefined
  onClose: () => void
  onDone: () => void
}) {
  const [m, setM] = useState(props.minutes?.toString() ?? '')
  const [oneWay, setOneWay] = useState(props.back !== undefined && props.back !== props.minutes)
  const [error, setError] = useState<unknown>(null)
  const save = async (e: Event) => {
    e.preventDefault()
    try {
      await api('PUT', '/api/admin/travel', {
        from: props.from.id,
        to: props.to.id,
        minutes: Number(m),
        oneWay,
      })
      props.onDone()
    } catch (err) {
      setError(err)
    }
  }
  return (
    <Dialog
      title={t('travel.edit', { from: fname(props.from), to: fname(props.to) })}
      onClose={props.onClose}
    >
      <form onSubmit={(e) => void save(e)}>
        <label class="field">
          <span>{t('travel.minutes')}</span>
          <input
            name="minutes"
            type="number"
            min={1}
            max={1439}
            inputMode="numeric"
            required
            value={m}
            onInput={(e) => setM(e.currentTarget.value)}
          />
        </label>
        <label class="check">
          <input type="checkbox" checked={oneWay} onChange={(e) => setOneWay(e.currentTarget.checked)} />
          <span>{t('travel.oneWay')}</span>
        </label>
        {!oneWay && <p class="muted small">{t('travel.symmetric')}</p>}
        <ErrorBox error={error} />
        <div class="row">
          <button type="button" class="btn" onClick={props.onClose}>
            {t('common.cancel')}
          </button>
          <button class="btn primary" type="submit">
            {t('common.save')}
          </button>
        </div>
      </form>
    </Dialog>
  )
}
