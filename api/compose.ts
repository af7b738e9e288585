import type { PgBoss } from 'pg-boss'
import type { Config } from './config.ts'
import type { Sql } from './db/connect.ts'
import type { Deps } from './http/env.ts'
import { LoginThrottle } from './http/login-throttle.ts'
import type { Runtime } from '../workflows/runtime/apply-event.ts'
import { LiveHub } from '../workflows/runtime/live.ts'
import { NetworkCache } from '../workflows/runtime/network-cache.ts'
import { streamOnly, type Notifier } from '../workflows/runtime/notifier.ts'
import { startTimerWorker } from '../workflows/runtime/workers.ts'

export interface Composed {
  deps: Deps
  stop: () => Promise<void>
}

/**
 * Wire the runtime for one process: the live hub (LISTEN), the notifier and, unless disabled,
 * the background workers. Shared by `npm start`, the tests and the benchmarks.
 */
export async function compose(
  config: Config,
  sql: Sql,
  boss: PgBoss,
  opts: { workers?: boolean; notifier?: Notifier } = {},
): Promise<Composed> {
  const rt: Runtime = { sql, boss, notifier: opts.notifier ?? streamOnly, networks: new NetworkCache() }
  const live = new LiveHub()
  await live.start(sql)
  const workerIds: string[] = []
  if (opts.workers ?? true) workerIds.push(await startTimerWorker(rt))
  return {
    deps: { config, sql, boss, rt, live, loginThrottle: new LoginThrottle() },
    stop: async () => {
      for (const id of workerIds) await boss.offWork('deadline', { id }).catch(() => undefined)
      await live.stop().catch(() => undefined)
    },
  }
}
