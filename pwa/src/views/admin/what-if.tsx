import { useEffect, useState } from 'preact/hooks'
import { LoadState, useApi } from '../../components/data.tsx'
import { t, type MessageKey } from '../../i18n/index.ts'

interface Reason {
  key: 'over_120' | 'within_120' | 'dido_over_target' | 'no_cases' | 'no_travel'
  params: Record<string, number>
}
interface Entry {
  facilityId: string
  stemiCases: number
  medianDoorToNeedle: number | null
  medianDido: number | null
  travelToPciMinutes: number | null
  expectedDiagnosisToWire: number | null
  shareOver120: number | null
  recommendation: 'lysis_first' | 'transfer_first' | 'improve_dido'
  reasons: Reason[]
}
interface WhatIf {
  since: string
  doorToWire: number
  facilities: Entry[]
}
interface Net {
  facilities: { id: string; name: string }[]
}

const TONE = { lysis_first: 'tone-amber', transfer_first: 'tone-green', improve_dido: 'tone-red' } as const
const num = (v: number | null) => (v === null ? '—' : String(v))

/**
 * "Which townships should lyse?" — the what-if from the last 12 months of cases and the travel
 * matrix, with sliders for a road time and the county's door-to-wire (docs/network-planning.md).
 */
export function WhatIfPage() {
  const net = useApi<Net>('/api/network')
  const [travel, setTravel] = useState<Record<string, number>>({})
  const [d2w, setD2w] = useState<number | null>(null)
  const [qs, setQs] = useState('')
  useEffect(() => {
    const h = setTimeout(() => {
      const p = new URLSearchParams()
      if (d2w !== null) p.set('doorToWire', String(d2w))
      for (const [id, m] of Object.entries(travel)) p.set(`travel[${id}]`, String(m))
      setQs(p.toString())
    }, 250)
    return () => clearTimeout(h)
  }, [travel, d2w])
  const l = useApi<WhatIf>(`/api/network/what-if${qs ? '?' + qs : ''}`)
  const w = l.data
  if (!w || !net.data) return <LoadState l={w ? net : l} />
  const name = (id: string) => net.data!.facilities.find((f) => f.id === id)?.name ?? ''
  return (
    <section data-testid="what-if">
      <p class="muted">{t('whatif.intro')}</p>
      <label class="row">
        {t('whatif.doorToWire', { n: d2w ?? w.doorToWire })}
        <input
          type="range"
          min={20}
          max={120}
          step={5}
          value={d2w ?? w.doorToWire}
          onInput={(e) => setD2w(Number(e.currentTarget.value))}
        />
      </label>
      <div class="scroll-x">
        <table class="grid-table">
          <thead>
            <tr>
              <th>{t('whatif.facility')}</th>
              <th>{t('whatif.cases')}</th>
              <th>{t('whatif.d2n')}</th>
              <th>{t('whatif.dido')}</th>
              <th>{t('whatif.travel')}</th>
              <th>{t('whatif.expected')}</th>
              <th>{t('whatif.over120')}</th>
              <th>{t('whatif.recommendation')}</th>
            </tr>
          </thead>
          <tbody>
            {w.facilities.map((f) => (
              <tr key={f.facilityId} data-testid="what-if-row">
                <td>{name(f.facilityId)}</td>
                <td>{f.stemiCases}</td>
                <td>{num(f.medianDoorToNeedle)}</td>
                <td>{num(f.medianDido)}</td>
                <td>
                  <input
                    type="range"
                    min={5}
                    max={150}
                    step={5}
                    aria-label={t('whatif.travel')}
                    value={travel[f.facilityId] ?? f.travelToPciMinutes ?? 60}
                    onInput={(e) => setTravel({ ...travel, [f.facilityId]: Number(e.currentTarget.value) })}
                  />{' '}
                  {num(f.travelToPciMinutes)}
                </td>
                <td>{num(f.expectedDiagnosisToWire)}</td>
                <td>{f.shareOver120 === null ? '—' : `${Math.round(f.shareOver120 * 100)}%`}</td>
                <td>
                  <span class={`chip ${TONE[f.recommendation]}`}>
                    {t(`whatif.rec.${f.recommendation}` as MessageKey)}
                  </span>
                  <div class="small">
                    {f.reasons.map((r) => t(`whatif.reason.${r.key}` as MessageKey, r.params)).join(' · ')}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}
