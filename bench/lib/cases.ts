import type { PgBoss } from 'pg-boss'
import { compose, type Composed } from '../../api/compose.ts'
import { loadConfig } from '../../api/config.ts'
import { connect, type Sql } from '../../workflows/runtime/platform/connect.ts'
import { setLogLevel } from '../../workflows/runtime/platform/log.ts'
import { demoId } from '../../fixtures/demo-network.ts'
import { DEMO_NETWORK_ID } from '../../fixtures/seed-demo.ts'
import { createCase, type Runtime } from '../../workflows/runtime/apply-event.ts'
import { startBoss } from '../../workflows/runtime/boss.ts'

export const LANTIAN = demoId('facility:lantian')
/** The demo township physician of Lantian, as the runtime sees an actor. */
export const LANTIAN_DOCTOR = {
  id: demoId('user:lantian'),
  roles: ['township_physician' as const],
  facilityIds: [LANTIAN],
  networkId: DEMO_NETWORK_ID,
}

/** first_ecg warns 7 minutes after FMC (rules table: China CPC standard, warnAt 7 of 10 min). */
export const FIRST_ECG_WARN_MS = 7 * 60_000

export interface InProcess {
  sql: Sql
  boss: PgBoss
  rt: Runtime
  composed: Composed
  stop: () => Promise<void>
}

/** The runtime of `npm start` (pools, live hub, timer worker with product settings) without HTTP. */
export async function startRuntime(url: string, opts: { workers?: boolean } = {}): Promise<InProcess> {
  setLogLevel('error')
  const sql = connect(url)
  const boss = await startBoss(url, { supervise: false })
  const config = loadConfig({ PORT: '0', DATABASE_URL: url })
  const composed = await compose(config, sql, boss, { workers: opts.workers ?? true })
  return {
    sql,
    boss,
    rt: composed.deps.rt,
    composed,
    stop: async () => {
      await composed.stop()
      await boss.stop({ graceful: false, close: true })
      await sql.end({ timeout: 2 })
    },
  }
}

/** Start one case per FMC time through the runtime's `createCase` (the path of POST /api/cases). */
export async function createCases(
  rt: Runtime,
  fmcTimes: readonly number[],
  concurrency = 10,
): Promise<string[]> {
  const ids: string[] = []
  let next = 0
  const lane = async () => {
    while (next < fmcTimes.length) {
      const fmc = fmcTimes[next++]!
      const id = crypto.randomUUID()
      await createCase(rt, LANTIAN_DOCTOR, {
        id,
        facilityId: LANTIAN,
        patient: { sex: 'female', age: 67, weightKg: 58 },
        firstMedicalContactAt: fmc,
        arrivalMode: 'walk_in',
      })
      ids.push(id)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane))
  return ids
}

/** Lag (ms) of each recorded first_ecg warning: recorded_at of the system event − its scheduled time. */
export async function warningLags(sql: Sql, caseIds: readonly string[]): Promise<number[]> {
  const rows = await sql<{ lag: number }[]>`
    select (extract(epoch from recorded_at) * 1000 - (data->>'scheduledAt')::float8)::float8 as lag
      from case_events
     where type = 'deadline_warning' and data->>'timerKey' = 'first_ecg:warn'
       and case_id = any(${caseIds as string[]}::uuid[])`
  return rows.map((r) => r.lag)
}
