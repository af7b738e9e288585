/**
 * Load generator for bench/ingest.ts, run as a separate process: autocannon posting clinical
 * events (`note` and `ecg_acquired`, alternating) with a fresh event id per request, spread
 * round-robin over many cases.
 */
import { randomUUID } from 'node:crypto'
import autocannon from 'autocannon'
import { childInput } from './lib/child.ts'

interface Input {
  base: string
  token: string
  caseIds: string[]
  facilityId: string
  connections: number
  durationS: number
  /** Requests per second across all connections (omit: as fast as the server answers). */
  overallRate?: number
}

export interface LoadOutput {
  requestsPerSec: number
  p50: number
  p99: number
  ok: number
  non2xx: number
  errors: number
  bodyBytes: number
}

const input = childInput<Input>()
let n = 0
const bodyOf = () => {
  const i = n++
  const body =
    i % 2 === 0
      ? {
          id: randomUUID(),
          type: 'note',
          at: new Date().toISOString(),
          facilityId: input.facilityId,
          text: 'BP 135/85, HR 88, SpO2 96%',
        }
      : { id: randomUUID(), type: 'ecg_acquired', at: new Date().toISOString(), facilityId: input.facilityId }
  return { path: `/api/cases/${input.caseIds[i % input.caseIds.length]}/events`, body: JSON.stringify(body) }
}
const sample = bodyOf().body

const result = await autocannon({
  url: input.base,
  connections: input.connections,
  duration: input.durationS,
  ...(input.overallRate ? { overallRate: input.overallRate } : {}),
  headers: { 'content-type': 'application/json', authorization: `Bearer ${input.token}` },
  requests: [
    {
      method: 'POST',
      setupRequest: (req) => ({ ...req, ...bodyOf() }),
    },
  ],
})
const out: LoadOutput = {
  requestsPerSec: result.requests.average,
  p50: result.latency.p50,
  p99: result.latency.p99,
  ok: result['2xx'],
  non2xx: result.non2xx,
  errors: result.errors,
  bodyBytes: Buffer.byteLength(sample),
}
process.stdout.write(JSON.stringify(out) + '\n')
