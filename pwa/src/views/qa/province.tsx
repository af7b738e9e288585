/**
 * The province view (docs/qa-api.md, "Province"): the QA aggregates of every network that granted
 * the user read access, all cases pooled, grouped by network, facility or month. Aggregates only:
 * no case links, since a grant never opens a case.
 */
import { useState } from 'preact/hooks'
import { ApiFailure } from '../../api.ts'
import { LoadState, useApi, when } from '../../components/data.tsx'
import type { MetricKey } from '../../../../workflows/core/index.ts'
import { lang, t } from '../../i18n/index.ts'
import { MedianChart, MetricCell, ShareChart } from './charts.tsx'
import { after, monthsBetween, pct, targetLine, targetText, ym, type Metrics } from './shared.ts'

type GroupBy = 'network' | 'facility' | 'month'
interface Province extends Metrics {
  networkIds: string[]
  groupBy: GroupBy
  asOf: string
  names: Record<string, { name: string; nameEn: string | null; networkId: string }>
}

export default function ProvinceView() {
  const [p, setP] = useState<{ from: string; to: string; groupBy: GroupBy }>(() => {
    const now = new Date()
    return {
      from: ym(new Date(now.getFullYear(), now.getMonth() - 11, 1)),
      to: ym(now),
      groupBy: 'network',
    }
  })
  const l = useApi<Province>(`/api/province/metrics?from=${p.from}-01&to=${after(p.to)}&groupBy=${p.groupBy}`)
  // 403: the user holds no grant of another network; say how to get one instead of an error.
  const none = l.error instanceof ApiFailure && l.error.status === 403
  const d = l.data
  const label = (n: { name: string; nameEn: string | null } | undefined) =>
    n ? (lang() === 'en' ? (n.nameEn ?? n.name) : n.name) : '—'
  const groupName = (g: string | null) =>
    g === null ? t('province.noFacility') : p.groupBy === 'month' ? g.slice(0, 7) : label(d?.names[g])
  const keys = [...new Set(d?.metrics.map((m) => m.key) ?? [])] as MetricKey[]
  const rateKeys = [...new Set(d?.rates.map((r) => r.key) ?? [])]
  const groups = [
    ...new Set([...(d?.metrics ?? []), ...(d?.rates ?? [])].map((m) => m.group as string | null)),
  ].sort((a, b) =>
    p.groupBy === 'month'
      ? String(a).localeCompare(String(b))
      : a === null
        ? 1
        : b === null
          ? -1
          : groupName(a).localeCompare(groupName(b), 'zh-CN'),
  )
  return (
    <section data-testid="province">
      <p class="muted small">{t('province.hint')}</p>
      <div class="row wrap filters">
        <label class="field inline">
          <span>{t('qa.from')}</span>
          <input type="month" value={p.from} onChange={(e) => setP({ ...p, from: e.currentTarget.value })} />
        </label>
        <label class="field inline">
          <span>{t('qa.to')}</span>
          <input type="month" value={p.to} onChange={(e) => setP({ ...p, to: e.currentTarget.value })} />
        </label>
        <label class="field inline">
          <span>{t('province.groupBy')}</span>
          <select
            data-testid="province-group-by"
            value={p.groupBy}
            onChange={(e) => setP({ ...p, groupBy: e.currentTarget.value as GroupBy })}
          >
            {(['network', 'facility', 'month'] as const).map((g) => (
              <option key={g} value={g}>
                {t(`province.by.${g}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {none ? <p data-testid="province-none">{t('province.none')}</p> : <LoadState l={l} />}
      {d && (
        <>
          <p class="small" data-testid="province-scope">
            {t('province.scope', { n: d.networkIds.length })} ·{' '}
            {d.networkIds.map((id) => label(d.names[id])).join('、')} ·{' '}
            {t('province.asOf', { t: when(d.asOf) })}
          </p>
          {p.groupBy === 'month' && (
            // By month, the province's monthly medians and shares within target as on a network's dashboard.
            <div class="metric-grid">
              {keys.map((k) => {
                const months = monthsBetween(p.from, p.to)
                const at = (m: string) => d.metrics.find((x) => x.key === k && x.group === m)
                const tg = d.metrics.find((m) => m.key === k)?.target ?? null
                return (
                  <article key={k} class="card metric" data-testid={`province-metric-${k}`}>
                    <h3>{t(`metric.${k}`)}</h3>
                    <MedianChart
                      months={months}
                      values={months.map((m) => at(m)?.median ?? null)}
                      target={targetLine(tg)}
                      label={`${t(`metric.${k}`)} · ${t('qa.median')}`}
                    />
                    {tg && (
                      <ShareChart
                        months={months}
                        values={months.map((m) => at(m)?.withinTarget ?? null)}
                        label={`${t(`metric.${k}`)} · ${t('qa.share')}`}
                      />
                    )}
                  </article>
                )
              })}
            </div>
          )}
          <div class="scroll-x" tabIndex={0}>
            <table class="grid-table fac-table province-table">
              <thead>
                <tr>
                  <th scope="col">{t('province.group')}</th>
                  {keys.map((k) => {
                    const tg = d.metrics.find((m) => m.key === k)?.target ?? null
                    return (
                      <th key={k} scope="col">
                        {t(`metric.${k}`)}
                        <span class="small muted"> ({targetText(tg)})</span>
                      </th>
                    )
                  })}
                  {rateKeys.map((k) => (
                    <th key={k} scope="col">
                      {t(`rate.${k}`)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {groups.map((g) => (
                  <tr key={String(g)} data-testid="province-row">
                    <th scope="row">
                      {groupName(g)}
                      {p.groupBy === 'facility' && g !== null && d.names[g] && (
                        <span class="small muted"> · {label(d.names[d.names[g].networkId])}</span>
                      )}
                    </th>
                    {keys.map((k) => (
                      <MetricCell key={k} m={d.metrics.find((x) => x.key === k && x.group === g)} />
                    ))}
                    {rateKeys.map((k) => {
                      const r = d.rates.find((x) => x.key === k && x.group === g)
                      return (
                        <td
                          key={k}
                          class={
                            r && r.target !== null && r.rate !== null && r.rate < r.target ? 'cell-low' : ''
                          }
                        >
                          {r ? (
                            <>
                              {pct(r.rate)}{' '}
                              <span class="small">
                                ({r.numerator}/{r.denominator})
                              </span>
                            </>
                          ) : (
                            '—'
                          )}
                        </td>
                      )
                    })}
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
