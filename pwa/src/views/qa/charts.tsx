/** Small inline-SVG charts for the QA dashboard (no chart library: a few hundred bytes), and its table cell. */
import { lang, t } from '../../i18n/index.ts'
import { pct, type MetricRow } from './shared.ts'

const W = 320
const H = 150
const L = 36
const R = 8
const T = 10
const B = 24

/** The registries' accreditation line: ≥ 75 % of cases within target. */
export const ACCREDITATION = 0.75

const monthLabel = (m: string) => {
  const [y, mo] = m.split('-')
  return mo === '01'
    ? `${y!.slice(2)}/${Number(mo)}`
    : lang() === 'en'
      ? String(Number(mo))
      : `${Number(mo)}月`
}

function niceMax(v: number): number {
  if (v <= 0) return 10
  const p = 10 ** Math.floor(Math.log10(v))
  for (const m of [1, 1.5, 2, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p
  return 10 * p
}

function Frame(props: {
  months: string[]
  max: number
  ticks: number[]
  fmt: (v: number) => string
  label: string
  children: preact.ComponentChildren
}) {
  const n = props.months.length
  const x = (i: number) => L + ((i + 0.5) * (W - L - R)) / n
  const y = (v: number) => T + (1 - v / props.max) * (H - T - B)
  const every = Math.ceil(n / 8)
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={props.label}>
      <title>{props.label}</title>
      {props.ticks.map((v) => (
        <g key={v}>
          <line x1={L} x2={W - R} y1={y(v)} y2={y(v)} class="grid" />
          <text x={L - 4} y={y(v) + 4} class="axis" text-anchor="end">
            {props.fmt(v)}
          </text>
        </g>
      ))}
      {props.months.map((m, i) =>
        i % every === 0 ? (
          <text key={m} x={x(i)} y={H - 6} class="axis" text-anchor="middle">
            {monthLabel(m)}
          </text>
        ) : null,
      )}
      {props.children}
    </svg>
  )
}

/** Monthly share within target as bars, with the 75 % accreditation line. */
export function ShareChart(props: { months: string[]; values: (number | null)[]; label: string }) {
  const n = props.months.length
  const bw = ((W - L - R) / n) * 0.7
  const x = (i: number) => L + ((i + 0.5) * (W - L - R)) / n
  const y = (v: number) => T + (1 - v) * (H - T - B)
  return (
    <Frame months={props.months} max={1} ticks={[0, 0.5, 1]} fmt={(v) => `${v * 100}%`} label={props.label}>
      {props.values.map((v, i) =>
        v === null ? null : (
          <rect
            key={i}
            x={x(i) - bw / 2}
            y={y(v)}
            width={bw}
            height={Math.max(0.5, y(0) - y(v))}
            class={v >= ACCREDITATION ? 'bar ok' : 'bar low'}
          >
            <title>{`${props.months[i]}: ${Math.round(v * 100)}%`}</title>
          </rect>
        ),
      )}
      <line x1={L} x2={W - R} y1={y(ACCREDITATION)} y2={y(ACCREDITATION)} class="target" />
      <text x={W - R} y={y(ACCREDITATION) - 3} class="axis strong" text-anchor="end">
        {t('qa.accreditation')}
      </text>
    </Frame>
  )
}

/** Monthly median minutes as a line, with the target as a dashed line. */
export function MedianChart(props: {
  months: string[]
  values: (number | null)[]
  target: number | null
  label: string
}) {
  const vals = props.values.filter((v): v is number => v !== null)
  const max = niceMax(Math.max(props.target ?? 0, ...vals) * 1.1)
  const n = props.months.length
  const x = (i: number) => L + ((i + 0.5) * (W - L - R)) / n
  const y = (v: number) => T + (1 - v / max) * (H - T - B)
  const pts = props.values.map((v, i) => (v === null ? null : ([x(i), y(v)] as const)))
  // Break the line where a month has no cases.
  const runs: string[] = []
  let cur: string[] = []
  for (const p of pts) {
    if (p) cur.push(`${p[0].toFixed(1)},${p[1].toFixed(1)}`)
    else if (cur.length) {
      runs.push(cur.join(' '))
      cur = []
    }
  }
  if (cur.length) runs.push(cur.join(' '))
  return (
    <Frame
      months={props.months}
      max={max}
      ticks={[0, max / 2, max]}
      fmt={(v) => String(Math.round(v))}
      label={props.label}
    >
      {props.target !== null && (
        <>
          <line x1={L} x2={W - R} y1={y(props.target)} y2={y(props.target)} class="target" />
          <text x={W - R} y={y(props.target) - 3} class="axis strong" text-anchor="end">
            {t('qa.targetLine', { n: props.target })}
          </text>
        </>
      )}
      {runs.map((r) => (
        <polyline key={r} points={r} class="line" />
      ))}
      {pts.map((p, i) =>
        p ? (
          <circle
            key={i}
            cx={p[0]}
            cy={p[1]}
            r={3}
            class={props.target !== null && props.values[i]! > props.target ? 'dot over' : 'dot'}
          >
            <title>{`${props.months[i]}: ${props.values[i]} ${t('qa.minUnit')}`}</title>
          </circle>
        ) : null,
      )}
    </Frame>
  )
}

/**
 * One metric of one group in a QA table (a network's dashboard by facility, the province view):
 * the median, the share within target and n, coloured against the accreditation line; a dash
 * when the group has no value. The title spells the cell out for a screen reader or a hover.
 */
export function MetricCell({
  m,
}: {
  m: Pick<MetricRow, 'n' | 'median' | 'withinTarget'> | null | undefined
}) {
  if (!m || m.n === 0) return <td class="muted">—</td>
  const tone = m.withinTarget === null ? '' : m.withinTarget >= ACCREDITATION ? 'cell-ok' : 'cell-low'
  return (
    <td class={tone} title={t('qa.metricCell', { median: m.median ?? '—', p: pct(m.withinTarget), n: m.n })}>
      {m.median ?? '—'}{' '}
      <span class="small">
        ({pct(m.withinTarget)}, n={m.n})
      </span>
    </td>
  )
}
