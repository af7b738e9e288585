import type { Q } from './platform/connect.ts'
import { registryRecord, type CaseState, type NetworkInfo } from '../core/index.ts'
import { upsertCaseMetrics } from './store/case-metrics.ts'

/**
 * Keep the QA projection (`case_metrics`) equal to the core's registry record of the case. Runs
 * inside the event's transaction (apply-event.ts `project()`), so a correction moves every
 * aggregate the moment it commits, and a rolled-back event leaves no trace.
 */
export async function projectMetrics(
  tx: Q,
  state: CaseState,
  network: NetworkInfo,
  now: number,
): Promise<void> {
  const createdAt = state.events[0]?.recordedAt ?? now
  await upsertCaseMetrics(tx, registryRecord(state, network, createdAt), new Date(now))
}
