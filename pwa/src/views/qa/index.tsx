/** QA (docs/qa-api.md): dashboard, cases with flags, drill-down, audit sample, access log, province. Lazily loaded. */
import { useState } from 'preact/hooks'
import { api, local } from '../../api.ts'
import { ErrorBox, LoadState, Tabs, useApi, when } from '../../components/data.tsx'
import { match } from '../../router.ts'
import { navigate } from '../../router.ts'
import type { Diagnosis, MetricKey, QualityFlagCode, Strategy } from '../../../../workflows/core/index.ts'
import { hasKey, lang, t, type KeyOf } from '../../i18n/index.ts'
import { facilityName, session } from '../../store.ts'
import { ACCREDITATION, MedianChart, MetricCell, ShareChart } from './charts.tsx'
import ProvinceView from './province.tsx'
import { CaseTimeline } from './timeline.tsx'
import { after, monthsBetween, pct, targetLine, targetText, ym, type Metrics } from './shared.ts'

/** Period and facility filters shared by the QA pages (kept in the URL-less session state). */
function usePeriod() {
  const [p, setP] = useState(() => {
    const now = new Date()
    return { from: ym(new Date(now.getFullYear(), now.getMonth() - 11, 1)), to: ym(now), facilityId: '' }
  })
  const q = `from=${p.from}-01&to=${after(p.to)}${p.facilityId ? `&facilityId=${p.facilityId}` : ''}`
  return { p, setP, q }
}

function PeriodBar(props: {
  p: { from: string; to: string; facilityId: string }
  setP: (p: { from: string; to: string; facilityId: string }) => void
  children?: preact.ComponentChildren
}) {
  const facs = session.network?.facilities ?? []
  return (
    <div class="row wrap filters">
      <label class="field inline">
        <span>{t('qa.from')}</span>
        <input
          type="month"
          value={props.p.from}
          onChange={(e) => props.setP({ ...props.p, from: e.currentTarget.value })}
        />
      </label>
      <label class="field inline">
        <span>{t('qa.to')}</span>
        <input
          type="month"
          value={props.p.to}
          onChange={(e) => props.setP({ ...props.p, to: e.currentTarget.value })}
        />
      </label>
      <label class="field inline">
        <span>{t('qa.facility')}</span>
        <select
          data-testid="qa-facility"
          value={props.p.facilityId}
          onChange={(e) => props.setP({ ...props.p, facilityId: e.currentTarget.value })}
        >
          <option value="">{t('qa.allFacilities')}</option>
          {facs.map((f) => (
            <option key={f.id} value={f.id}>
              {lang() === 'en' ? (f.nameEn ?? f.name) : f.name}
            </option>
          ))}
        </select>
      </label>
      {props.children}
    </div>
  )
}

function ExportButtons(props: { q: string }) {
  return (
    <div class="row wrap">
      {(['zh', 'en'] as const).map((h) => (
        <a
          key={h}
          class="btn"
          href={`/api/export/cases.csv?${props.q}&header=${h}`}
          download
          data-testid={`export-${h}`}
        >
          {t(h === 'zh' ? 'qa.exportZh' : 'qa.exportEn')}
        </a>
      ))}
    </div>
  )
}

/** Network dashboard: per metric, monthly median and share within target; per-facility table. */
/** False cath lab activations per month: activated, then not STEMI or no angiography. */
function FalseActivations(props: { rows: NonNullable<Metrics['activations']> }) {
  return (
    <section class="card" data-testid="qa-false-activations">
      <h2>{t('qa.falseActivation.title')}</h2>
      <p class="muted small">{t('qa.falseActivation.help')}</p>
      {props.rows.length === 0 ? (
        <p class="muted">{t('qa.falseActivation.none')}</p>
      ) : (
        <table class="grid-table">
          <thead>
            <tr>
              <th scope="col">{t('qa.falseActivation.month')}</th>
              <th scope="col">{t('qa.falseActivation.activations')}</th>
              <th scope="col">{t('qa.falseActivation.false')}</th>
              <th scope="col">{t('qa.falseActivation.rate')}</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((r) => (
              <tr key={r.month} data-month={r.month}>
                <th scope="row">{r.month.slice(0, 7)}</th>
                <td>{r.activations}</td>
                <td>{r.falseActivations}</td>
                <td>{pct(r.activations > 0 ? r.falseActivations / r.activations : null)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

function Dashboard() {
  const { p, setP, q } = usePeriod()
  const monthly = useApi<Metrics>(`/api/metrics?${q}&groupBy=month&cap=0`)
  const overall = useApi<Metrics>(`/api/metrics?${q}&groupBy=none&cap=20`)
  const byFac = useApi<Metrics>(`/api/metrics?from=${p.from}-01&to=${after(p.to)}&groupBy=facility&cap=0`)
  const months = monthsBetween(p.from, p.to)
  const get = (m: Metrics | null, key: MetricKey, group: string) =>
    m?.metrics.find((x) => x.key === key && x.group === group) ?? null
  const keys = overall.data?.metrics.map((m) => m.key) ?? []
  // A metric whose accountable facility is unknown (e.g. no transferring facility) has no group: not a row.
  const facIds = [...new Set(byFac.data?.metrics.map((m) => m.group) ?? [])].filter(
    (g): g is string => typeof g === 'string' && g !== '',
  )
  return (
    <section data-testid="qa-dashboard">
      <PeriodBar p={p} setP={setP}>
        <ExportButtons q={q} />
      </PeriodBar>
      <LoadState l={overall} />
      {overall.data && (
        <div class="rates">
          {overall.data.rates.map((r) => (
            <div
              key={r.key}
              class={`card rate ${r.target !== null && r.rate !== null && r.rate < r.target ? 'low' : ''}`}
            >
              <span class="muted">{t(`rate.${r.key}`)}</span>
              <strong class="big-num">{pct(r.rate)}</strong>
              <span class="small">
                {r.numerator}/{r.denominator}
                {r.target !== null && ` · ${t('qa.rateTarget', { n: Math.round(r.target * 100) })}`}
              </span>
            </div>
          ))}
        </div>
      )}
      <div class="metric-grid">
        {keys.map((key) => {
          const all = get(overall.data, key, 'all')
          const med = months.map((m) => get(monthly.data, key, m)?.median ?? null)
          const share = months.map((m) => get(monthly.data, key, m)?.withinTarget ?? null)
          const tg = all?.target ?? null
          return (
            <article key={key} class="card metric" data-testid={`metric-${key}`}>
              <h3>{t(`metric.${key}`)}</h3>
              <p class="small">
                {t('qa.summary', {
                  n: all?.n ?? 0,
                  median: all?.median ?? '—',
                  p90: all?.p90 ?? '—',
                  target: targetText(tg),
                })}
                {all && all.withinTarget !== null && (
                  <strong class={all.withinTarget >= ACCREDITATION ? 'ok-text' : 'error'}>
                    {' '}
                    {t('qa.within', { p: pct(all.withinTarget) })}
                  </strong>
                )}
                {all && all.flagged.count > 0 && (
                  <a class="flag-link" href={`/qa/cases?metric=${key}`}>
                    {' '}
                    {t('qa.flaggedN', { n: all.flagged.count })}
                  </a>
                )}
              </p>
              <MedianChart
                months={months}
                values={med}
                target={targetLine(tg)}
                label={`${t(`metric.${key}`)} · ${t('qa.median')}`}
              />
              {tg && (
                <ShareChart
                  months={months}
                  values={share}
                  label={`${t(`metric.${key}`)} · ${t('qa.share')}`}
                />
              )}
              {all && all.outsideTarget.caseIds.length > 0 && (
                <details>
                  <summary>{t('qa.outside', { n: all.outsideTarget.count })}</summary>
                  <div class="chips">
                    {all.outsideTarget.caseIds.map((id) => (
                      <a key={id} class="chip link" href={`/qa/cases/${id}`}>
                        {id.slice(0, 8)}
                      </a>
                    ))}
                  </div>
                </details>
              )}
            </article>
          )
        })}
      </div>
      {monthly.data && <FalseActivations rows={monthly.data.activations ?? []} />}
      {byFac.data && facIds.length > 0 && (
        <>
          <h2>{t('qa.byFacility')}</h2>
          <div class="scroll-x" tabIndex={0}>
            <table class="grid-table fac-table">
              <thead>
                <tr>
                  <th>{t('qa.facility')}</th>
                  {keys.map((k) => (
                    <th key={k} scope="col">
                      {t(`metric.${k}`)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {facIds.map((fid) => (
                  <tr key={fid}>
                    <th scope="row">
                      <button class="btn link-btn" onClick={() => setP({ ...p, facilityId: fid })}>
                        {facilityName(fid) || fid.slice(0, 8)}
                      </button>
                    </th>
                    {keys.map((k) => (
                      <MetricCell key={k} m={get(byFac.data, k, fid)} />
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  )
}

interface QaCase {
  caseId: string
  facilityId: string
  refAt: string
  month: string
  diagnosis: Diagnosis | null
  strategy: Strategy | null
  closed: boolean
  flagCodes: QualityFlagCode[]
  flaggedMetrics: MetricKey[]
  completeness: number
  enteredLate: boolean
  corrected: boolean
}
const FLAGS: readonly QualityFlagCode[] = [
  'missing_time_point',
  'out_of_order',
  'implausible_interval',
  'future_time',
  'late_entry',
  'corrected',
  'override',
]

interface Quality {
  facilities: {
    facilityId: string
    cases: number
    flagged: number
    meanCompleteness: number
    enteredLate: number
    corrected: number
    byFlag: Partial<Record<QualityFlagCode, number>>
  }[]
}

/** Cases with their flags and completeness, filtered by period, facility and flag. */
function Cases(props: { search: URLSearchParams }) {
  const { p, setP, q } = usePeriod()
  const [flag, setFlag] = useState('')
  const m = props.search.get('metric')
  const metric = hasKey('metric', m) ? m : null
  const l = useApi<{ cases: QaCase[] }>(`/api/qa/cases?${q}${flag ? `&flag=${flag}` : ''}&limit=500`)
  const quality = useApi<Quality>(`/api/qa/quality?from=${p.from}-01&to=${after(p.to)}`)
  const cases = (l.data?.cases ?? []).filter((c) => !metric || c.flaggedMetrics.includes(metric))
  return (
    <section>
      <PeriodBar p={p} setP={setP}>
        <label class="field inline">
          <span>{t('qa.flag')}</span>
          <select data-testid="qa-flag" value={flag} onChange={(e) => setFlag(e.currentTarget.value)}>
            <option value="">{t('qa.anyFlag')}</option>
            {FLAGS.map((f) => (
              <option key={f} value={f}>
                {t(`qflag.${f}`)}
              </option>
            ))}
          </select>
        </label>
        <ExportButtons q={q} />
      </PeriodBar>
      {metric && (
        <p class="notice">
          {t('qa.metricFilter', { m: t(`metric.${metric}`) })} <a href="/qa/cases">{t('qa.clear')}</a>
        </p>
      )}
      {quality.data && quality.data.facilities.length > 0 && (
        <details class="card">
          <summary>{t('qa.quality')}</summary>
          <div class="scroll-x">
            <table class="grid-table">
              <thead>
                <tr>
                  <th>{t('qa.facility')}</th>
                  <th>{t('qa.cases')}</th>
                  <th>{t('qa.flagged')}</th>
                  <th>{t('qa.completeness')}</th>
                  <th>{t('qa.flagsBy')}</th>
                </tr>
              </thead>
              <tbody>
                {quality.data.facilities.map((f) => (
                  <tr key={f.facilityId}>
                    <th scope="row">{facilityName(f.facilityId)}</th>
                    <td>{f.cases}</td>
                    <td>{f.flagged}</td>
                    <td>{pct(f.meanCompleteness)}</td>
                    <td class="small">
                      {Object.entries(f.byFlag)
                        .map(([k, n]) => `${hasKey('qflag', k) ? t(`qflag.${k}`) : k} ${n}`)
                        .join(' · ')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
      <LoadState l={l} />
      <p class="muted">{t('qa.nCases', { n: cases.length })}</p>
      <ul class="cases">
        {cases.map((c) => (
          <li key={c.caseId}>
            <a class="case-row" href={`/qa/cases/${c.caseId}`} data-testid="qa-case-row">
              <strong>{when(c.refAt)}</strong>
              <span>{facilityName(c.facilityId)}</span>
              {c.diagnosis && <span class="phase">{t(`dx.${c.diagnosis}`)}</span>}
              {c.strategy && <span class="muted">{t(`strategy.${c.strategy}`)}</span>}
              <span class={c.completeness < 0.9 ? 'error' : 'muted'}>
                {t('qa.complete', { p: pct(c.completeness) })}
              </span>
              <span class="chips">
                {c.flagCodes.map((f) => (
                  <span key={f} class="chip flag">
                    {t(`qflag.${f}`)}
                  </span>
                ))}
              </span>
            </a>
          </li>
        ))}
      </ul>
    </section>
  )
}

interface Sample {
  id: string
  month: string
  perFacility: number
  seed: string
  createdAt: string
  toleranceMinutes: number
  cases: { caseId: string; facilityId: string }[]
  abstractions: {
    caseId: string
    timePoint: KeyOf<'tp'>
    paperValue: string | null
    systemValue: string | null
    differenceMinutes: number | null
    agrees: boolean
  }[]
  compared: number
  disagreements: number
  disagreementRate: number | null
}
const TIME_POINTS: readonly KeyOf<'tp'>[] = [
  'symptom_onset',
  'fmc',
  'first_ecg',
  'ecg_transmitted',
  'consult_acknowledged',
  'first_diagnosis',
  'referral_door_in',
  'transfer_decided',
  'referral_door_out',
  'consent_started',
  'consent_signed',
  'lysis_start',
  'lysis_end',
  'county_door_in',
  'cath_lab_activated',
  'wire',
]

/** Audit samples: draw n cases per facility for a month, enter the paper values, see disagreement. */
function AuditSamples() {
  const [month, setMonth] = useState(() =>
    ym(new Date(new Date().getFullYear(), new Date().getMonth() - 1, 1)),
  )
  const [per, setPer] = useState(2)
  const [error, setError] = useState<unknown>(null)
  const mine = local.get<{ id: string; month: string }[]>('qa.samples') ?? []
  const draw = async () => {
    setError(null)
    try {
      const r = await api<{ id: string; month: string }>('POST', '/api/qa/audit-samples', {
        month,
        perFacility: per,
      })
      local.set('qa.samples', [{ id: r.id, month: r.month }, ...mine].slice(0, 20))
      navigate(`/qa/audit/${r.id}`)
    } catch (e) {
      setError(e)
    }
  }
  return (
    <section>
      <h2>{t('sample.title')}</h2>
      <p class="muted small">{t('sample.hint')}</p>
      <div class="row wrap card">
        <label class="field inline">
          <span>{t('sample.month')}</span>
          <input type="month" value={month} onChange={(e) => setMonth(e.currentTarget.value)} />
        </label>
        <label class="field inline">
          <span>{t('sample.per')}</span>
          <input
            type="number"
            min={1}
            max={100}
            value={per}
            onInput={(e) => setPer(Number(e.currentTarget.value))}
          />
        </label>
        <button class="btn primary" onClick={() => void draw()}>
          {t('sample.draw')}
        </button>
      </div>
      <ErrorBox error={error} />
      {mine.length > 0 && (
        <ul class="cases">
          {mine.map((s) => (
            <li key={s.id}>
              <a class="case-row" href={`/qa/audit/${s.id}`}>
                {t('sample.item', { m: s.month })} <span class="muted">{s.id.slice(0, 8)}</span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

function SamplePage(props: { id: string }) {
  const l = useApi<Sample>(`/api/qa/audit-samples/${props.id}`)
  const [entry, setEntry] = useState<{
    caseId: string
    timePoint: KeyOf<'tp'>
    value: string
    absent: boolean
  }>({
    caseId: '',
    timePoint: 'fmc',
    value: '',
    absent: false,
  })
  const [error, setError] = useState<unknown>(null)
  const s = l.data
  const submit = async (e: Event) => {
    e.preventDefault()
    setError(null)
    try {
      await api('POST', `/api/qa/audit-samples/${props.id}/abstractions`, {
        caseId: entry.caseId,
        timePoint: entry.timePoint,
        paperValue: entry.absent ? null : new Date(entry.value).toISOString(),
      })
      setEntry({ ...entry, value: '', absent: false })
      l.reload()
    } catch (err) {
      setError(err)
    }
  }
  return (
    <section>
      <h2>{s ? t('sample.item', { m: s.month.slice(0, 7) }) : t('sample.title')}</h2>
      <LoadState l={l} />
      {s && (
        <>
          <p class={`receipt ${s.disagreementRate !== null && s.disagreementRate > 0.1 ? 'bad' : 'ok'}`}>
            {t('sample.rate', {
              d: s.disagreements,
              c: s.compared,
              p: pct(s.disagreementRate),
              tol: s.toleranceMinutes,
            })}
          </p>
          <form class="card" onSubmit={(e) => void submit(e)}>
            <h3>{t('sample.enter')}</h3>
            <div class="row wrap">
              <label class="field">
                <span>{t('sample.case')}</span>
                <select
                  required
                  value={entry.caseId}
                  onChange={(e) => setEntry({ ...entry, caseId: e.currentTarget.value })}
                >
                  <option value="">—</option>
                  {s.cases.map((c) => (
                    <option key={c.caseId} value={c.caseId}>
                      {facilityName(c.facilityId)} · {c.caseId.slice(0, 8)}
                    </option>
                  ))}
                </select>
              </label>
              <label class="field">
                <span>{t('sample.point')}</span>
                <select
                  value={entry.timePoint}
                  onChange={(e) => setEntry({ ...entry, timePoint: e.currentTarget.value as KeyOf<'tp'> })}
                >
                  {TIME_POINTS.map((tp) => (
                    <option key={tp} value={tp}>
                      {t(`tp.${tp}`)}
                    </option>
                  ))}
                </select>
              </label>
              <label class="field">
                <span>{t('sample.paper')}</span>
                <input
                  type="datetime-local"
                  step={60}
                  disabled={entry.absent}
                  required={!entry.absent}
                  value={entry.value}
                  onInput={(e) => setEntry({ ...entry, value: e.currentTarget.value })}
                />
              </label>
              <label class="check">
                <input
                  type="checkbox"
                  checked={entry.absent}
                  onChange={(e) => setEntry({ ...entry, absent: e.currentTarget.checked })}
                />
                <span>{t('sample.absent')}</span>
              </label>
            </div>
            <ErrorBox error={error} />
            <button class="btn primary" type="submit">
              {t('common.save')}
            </button>
          </form>
          <div class="scroll-x">
            <table class="grid-table">
              <thead>
                <tr>
                  <th>{t('sample.case')}</th>
                  <th>{t('sample.point')}</th>
                  <th>{t('sample.paper')}</th>
                  <th>{t('sample.system')}</th>
                  <th>{t('sample.diff')}</th>
                </tr>
              </thead>
              <tbody>
                {s.cases.map((c) => {
                  const rows = s.abstractions.filter((a) => a.caseId === c.caseId)
                  if (rows.length === 0)
                    return (
                      <tr key={c.caseId}>
                        <td>
                          <a href={`/qa/cases/${c.caseId}`}>
                            {facilityName(c.facilityId)} · {c.caseId.slice(0, 8)}
                          </a>
                        </td>
                        <td colSpan={4} class="muted">
                          {t('sample.todo')}
                        </td>
                      </tr>
                    )
                  return rows.map((a) => (
                    <tr key={c.caseId + a.timePoint} class={a.agrees ? '' : 'bad-row'}>
                      <td>
                        <a href={`/qa/cases/${c.caseId}`}>
                          {facilityName(c.facilityId)} · {c.caseId.slice(0, 8)}
                        </a>
                      </td>
                      <td>{t(`tp.${a.timePoint}`)}</td>
                      <td>{a.paperValue ? when(a.paperValue) : '—'}</td>
                      <td>{a.systemValue ? when(a.systemValue) : '—'}</td>
                      <td>
                        {a.agrees
                          ? '✓'
                          : a.differenceMinutes !== null
                            ? t('common.min', { n: a.differenceMinutes })
                            : '✗'}
                      </td>
                    </tr>
                  ))
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  )
}

/** Every read of a case or an ECG in the network: who, when, from which device. */
function Access() {
  const { p, setP } = usePeriod()
  const l = useApi<{
    access: {
      at: string
      actorName: string | null
      action: KeyOf<'action'>
      entity: string
      entityId: string
      device: string | null
    }[]
  }>(`/api/qa/access?from=${p.from}-01&to=${after(p.to)}&limit=500`)
  return (
    <section>
      <PeriodBar p={p} setP={setP} />
      <LoadState l={l} />
      <ul class="timeline">
        {(l.data?.access ?? []).map((a, i) => (
          <li key={i}>
            <time>{when(a.at)}</time>
            <span class="grow">
              <strong>{a.actorName ?? '—'}</strong> {t(`action.${a.action}`)}{' '}
              {a.entity === 'case' ? (
                <a href={`/qa/cases/${a.entityId}`}>{a.entityId.slice(0, 8)}</a>
              ) : (
                a.entityId.slice(0, 8)
              )}
              <span class="muted small"> {a.device?.slice(0, 50)}</span>
            </span>
          </li>
        ))}
      </ul>
    </section>
  )
}

export default function QaApp(props: { path: string; search: URLSearchParams }) {
  const path = props.path.replace(/\/+$/, '')
  let m: Record<string, string> | null
  const tab = path.startsWith('/qa/cases')
    ? '/qa/cases'
    : path.startsWith('/qa/audit')
      ? '/qa/audit'
      : path === '/qa/access' || path === '/qa/province'
        ? path
        : '/qa'
  let body
  if ((m = match('/qa/cases/:id', path))) body = <CaseTimeline key={m.id} caseId={m.id!} />
  else if (path === '/qa/cases') body = <Cases search={props.search} />
  else if ((m = match('/qa/audit/:id', path))) body = <SamplePage key={m.id} id={m.id!} />
  else if (path === '/qa/audit') body = <AuditSamples />
  else if (path === '/qa/access') body = <Access />
  else if (path === '/qa/province') body = <ProvinceView />
  else body = <Dashboard />
  return (
    <main>
      <h1>{t('qa.title')}</h1>
      <Tabs
        current={tab}
        tabs={[
          ['/qa', t('qa.tab.dashboard')],
          ['/qa/cases', t('qa.tab.cases')],
          ['/qa/audit', t('qa.tab.audit')],
          ['/qa/access', t('qa.tab.access')],
          ['/qa/province', t('qa.tab.province')],
        ]}
      />
      {body}
    </main>
  )
}
