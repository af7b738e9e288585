import { subMonths } from 'date-fns/subMonths'
import { whatIf, type WhatIfFacility, type WhatIfOptions } from '../../core/what-if.ts'
import type { Q } from '../platform/connect.ts'
import { dbNow } from '../store/cases.ts'
import { loadNetworkInfo } from '../store/network.ts'
import { whatIfCases } from '../store/what-if.ts'

/** The network what-if over the last `months` (docs/network-planning.md). */
export async function networkWhatIf(
  q: Q,
  networkId: string,
  months: number,
  opts: WhatIfOptions,
): Promise<{ since: string; doorToWire: number; facilities: WhatIfFacility[] }> {
  const [network, now] = await Promise.all([loadNetworkInfo(q, networkId), dbNow(q)])
  const since = subMonths(new Date(now), months)
  const cases = await whatIfCases(q, networkId, since)
  return {
    since: since.toISOString(),
    doorToWire: opts.doorToWire ?? network.expectedDoorToWireMinutes,
    facilities: whatIf(network, cases, opts),
  }
}
