import { LoadState, useApi, when } from '../../components/data.tsx'
import { RecordNumberPanel } from '../record-number.tsx'
import type {
  EventType,
  MetricKey,
  Phase,
  QualityFlagCode,
  RuleKey,
} from '../../../../workflows/core/index.ts'
import { pick, t, type KeyOf } from '../../i18n/index.ts'
import { RegistryPanel } from './registry.tsx'

interface Bi {
  zh: string
  en: string
}
interface QFlag {
  code: QualityFlagCode
  metric?: MetricKey
  eventId?: string
  message: Bi
}
interface TlEvent {
  id: string
  type: EventType
  system: boolean
  at: string
  originalAt: string
  recordedAt: string
  entryDelayMinutes: number | null
  by: string | null
  byName: string | null
  facilityId: string | null
  facilityName: string | null
  data: Record<string, unknown>
  originalData?: Record<string, unknown>
  amendments: {
    correctionId: string
    by: string | null
    byName: string | null
    recordedAt: string
    changes: Record<string, unknown>
    reason: string | null
  }[]
  flags: QFlag[]
}
interface Timeline {
  caseId: string
  phase: Phase
  closed: boolean
  facilityId: string
  facilityName: string
  events: TlEvent[]
  metrics: Partial<Record<MetricKey, number | null>>
  deadlines: {
    rule: RuleKey
    title: Bi
    startAt: string
    dueAt: string
    warnAt: string | null
    metAt: string | null
    status: string
    warned: boolean
    mark: 'met' | 'warned' | 'missed' | 'pending'
    alerts: { kind: string; at: string }[]
  }[]
  flags: QFlag[]
  access: {
    at: string
    actorId: string
    actorName: string | null
    action: KeyOf<'action'>
    device: string | null
  }[]
}

const MARK_TONE = {
  met: 'tone-green',
  warned: 'tone-amber',
  missed: 'tone-red',
  pending: 'tone-done',
} as const
const W = 640

/** A compact strip: events as ticks on the clinical time axis, deadlines as marks. */
function Strip(props: { tl: Timeline }) {
  const evs = props.tl.events.filter((e) => !e.system)
  const times = [...evs.map((e) => Date.parse(e.at)), ...props.tl.deadlines.map((d) => Date.parse(d.dueAt))]
  if (times.length < 2) return null
  const a = Math.min(...times)
  const b = Math.max(...times)
  const x = (v: number) => 10 + ((v - a) / Math.max(1, b - a)) * (W - 20)
  return (
    <svg class="chart strip" viewBox={`0 0 ${W} 60`} role="img" aria-label={t('drill.strip')}>
      <line x1={10} x2={W - 10} y1={30} y2={30} class="grid" />
      {evs.map((e) => (
        <line
          key={e.id}
          x1={x(Date.parse(e.at))}
          x2={x(Date.parse(e.at))}
          y1={18}
          y2={42}
          class={e.flags.length ? 'tick flagged' : 'tick'}
        >
          <title>{`${t(`ev.${e.type}`)} ${when(e.at)}`}</title>
        </line>
      ))}
      {props.tl.deadlines.map((d) => (
        <g key={d.rule}>
          <polygon
            points={`${x(Date.parse(d.dueAt))},46 ${x(Date.parse(d.dueAt)) - 5},56 ${x(Date.parse(d.dueAt)) + 5},56`}
            class={`mark ${d.mark}`}
          >
            <title>{`${pick(d.title)}: ${t(`mark.${d.mark}`)}`}</title>
          </polygon>
        </g>
      ))}
      <text x={10} y={12} class="axis">
        {when(new Date(a).toISOString())}
      </text>
      <text x={W - 10} y={12} class="axis" text-anchor="end">
        {when(new Date(b).toISOString())}
      </text>
    </svg>
  )
}

const show = (v: unknown) =>
  typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? when(v) : JSON.stringify(v)

/** The drill-down: recorded vs clinical time, amendments, deadline marks, flags explained, access trail. */
export function CaseTimeline(props: { caseId: string }) {
  const l = useApi<Timeline>(`/api/qa/cases/${props.caseId}/timeline`)
  const tl = l.data
  if (!tl) return <LoadState l={l} />
  const metricEntries = (Object.entries(tl.metrics) as [MetricKey, number | null][]).filter(
    ([, v]) => v !== null,
  )
  return (
    <section data-testid="qa-drilldown">
      <div class="row spread">
        <h2>
          {tl.facilityName} · <span class="muted">{tl.caseId.slice(0, 8)}</span>
        </h2>
        <span class="phase">{t(`phase.${tl.phase}`)}</span>
      </div>
      <p>
        <a href="/qa/cases">← {t('qa.tab.cases')}</a> ·{' '}
        <a href={`/api/cases/${tl.caseId}/fhir`} target="_blank" rel="noopener">
          FHIR
        </a>
      </p>
      <RecordNumberPanel caseId={tl.caseId} />
      <RegistryPanel caseId={tl.caseId} />
      {tl.flags.length > 0 && (
        <div class="card contra" data-testid="drill-flags">
          <h3>{t('drill.flags')}</h3>
          <ul>
            {tl.flags.map((f, i) => (
              <li key={i}>
                <strong>{t(`qflag.${f.code}`)}</strong>
                {f.metric && ` (${t(`metric.${f.metric}`)})`}: {pick(f.message)}
              </li>
            ))}
          </ul>
        </div>
      )}
      <h3>{t('drill.deadlines')}</h3>
      <div class="countdowns">
        {tl.deadlines.map((d) => (
          <div key={d.rule} class={`countdown ${MARK_TONE[d.mark]}`} data-testid={`mark-${d.rule}`}>
            <span>{pick(d.title)}</span>
            <span class="cd-time">{t(`mark.${d.mark}`)}</span>
            <span class="small">
              {t('drill.due', { t: when(d.dueAt) })}
              {d.metAt && ` · ${t('drill.metAt', { t: when(d.metAt) })}`}
            </span>
          </div>
        ))}
      </div>
      <Strip tl={tl} />
      {metricEntries.length > 0 && (
        <p class="chips">
          {metricEntries.map(([k, v]) => (
            <span key={k} class="chip">
              {t(`metric.${k}`)}: {t('common.min', { n: v! })}
            </span>
          ))}
        </p>
      )}
      <h3>{t('case.timeline')}</h3>
      <div class="scroll-x">
        <table class="grid-table drill">
          <thead>
            <tr>
              <th>{t('drill.clinical')}</th>
              <th>{t('drill.event')}</th>
              <th>{t('drill.recorded')}</th>
              <th>{t('drill.who')}</th>
            </tr>
          </thead>
          <tbody>
            {tl.events.map((e) => (
              <tr
                key={e.id}
                class={e.system ? 'system' : e.flags.length ? 'bad-row' : ''}
                data-testid="drill-event"
              >
                <td>
                  <strong>{when(e.at)}</strong>
                  {e.originalAt !== e.at && (
                    <div class="small">
                      <s>{when(e.originalAt)}</s> {t('drill.firstRecorded')}
                    </div>
                  )}
                </td>
                <td>
                  {t(`ev.${e.type}`)}
                  {e.amendments.map((a) => (
                    <div key={a.correctionId} class="amend small">
                      {t('drill.amended', { who: a.byName ?? '—', t: when(a.recordedAt) })}{' '}
                      {Object.entries(a.changes)
                        .map(([k, v]) => `${k} → ${show(v)}`)
                        .join(', ')}
                      {a.reason && ` · ${t('drill.reason', { r: a.reason })}`}
                    </div>
                  ))}
                  {e.flags.map((f, i) => (
                    <div key={i} class="error small">
                      ⚑ {pick(f.message)}
                    </div>
                  ))}
                </td>
                <td>
                  {when(e.recordedAt)}
                  {e.entryDelayMinutes !== null && e.entryDelayMinutes >= 1 && (
                    <div class={`small ${e.entryDelayMinutes > 24 * 60 ? 'error' : 'muted'}`}>
                      {t('drill.delay', { n: e.entryDelayMinutes })}
                    </div>
                  )}
                </td>
                <td>
                  {e.byName ?? '—'}
                  <div class="muted small">{e.facilityName}</div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>{t('drill.access')}</h3>
      <ul class="timeline" data-testid="drill-access">
        {tl.access.map((a, i) => (
          <li key={i}>
            <time>{when(a.at)}</time>
            <span>
              <strong>{a.actorName ?? '—'}</strong> {t(`action.${a.action}`)}{' '}
              <span class="muted small">{a.device?.slice(0, 60)}</span>
            </span>
          </li>
        ))}
      </ul>
    </section>
  )
}
