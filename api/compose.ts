import type { PgBoss } from 'pg-boss'
import type { Config } from './config.ts'
import type { Sql } from '../workflows/runtime/platform/connect.ts'
import type { Deps } from './http/env.ts'
import { LoginThrottle } from './http/login-throttle.ts'
import { SessionCache } from './http/session-cache.ts'
import { log } from '../workflows/runtime/platform/log.ts'
import { createSecretBox } from '../workflows/runtime/platform/secret-box.ts'
import { backfillHeadings, type Runtime } from '../workflows/runtime/apply-event.ts'
import { LiveHub } from '../workflows/runtime/live.ts'
import { NetworkCache } from '../workflows/runtime/network-cache.ts'
import { TimelineCache } from '../workflows/runtime/timeline-cache.ts'
import type { Notifier } from '../workflows/runtime/notifier.ts'
import { PUSH_RETRY, type PushRetry } from '../workflows/runtime/push/notifier.ts'
import {
  channelNotifier,
  startChannelWorkers,
  type ChannelDeps,
} from '../workflows/runtime/channels/dispatch.ts'
import { anyChannelConfigured } from '../workflows/runtime/channels/settings.ts'
import { createOutboundFetch, createTokenCache } from '../workflows/runtime/channels/vendors/index.ts'
import { READINESS_QUEUE, readinessTick } from '../workflows/runtime/push/readiness.ts'
import {
  METRICS_REFRESH_CRON,
  METRICS_REFRESH_QUEUE,
  refreshNetworkMetrics,
} from '../workflows/runtime/metrics-refresh.ts'
import { startPushWorkers } from '../workflows/runtime/push/sender.ts'
import { loadVapid, type VapidKeys } from '../workflows/runtime/push/vapid.ts'
import { fireDueTimers, startTimerWorker } from '../workflows/runtime/workers.ts'
import { describeError } from '../workflows/runtime/boss.ts'
import {
  REGISTRY_QUEUE,
  startRegistryWorker,
  type RegistryDeps,
} from '../workflows/runtime/registry/reporting.ts'

export interface ComposeOptions {
  workers?: boolean
  notifier?: Notifier
  /** Retries of a failed push (tests shorten them). */
  pushRetry?: PushRetry
}

export interface Composed {
  deps: Deps
  stop: () => Promise<void>
}

/**
 * Wire the runtime for one process: the live hub (LISTEN), the notifier (Web Push) and, unless
 * disabled, the background workers (timers, push sending, readiness cron). Shared by `npm start`,
 * the tests and the benchmarks.
 */
export async function compose(
  config: Config,
  sql: Sql,
  boss: PgBoss,
  opts: ComposeOptions = {},
): Promise<Composed> {
  const retry = opts.pushRetry ?? PUSH_RETRY
  // Channel secrets are sealed with XINLIAN_SECRET_KEY: configured channels without the key
  // cannot send, which must stop the start-up rather than surface at the first consult.
  if (!config.secretKey && (await anyChannelConfigured(sql)))
    throw new Error(
      'XINLIAN_SECRET_KEY is not set, but alert channels (WeCom/SMS/voice) are configured: set it to the key they were saved with (64 hex characters)',
    )
  const networks = new NetworkCache()
  const channels: ChannelDeps = {
    sql,
    boss,
    networks,
    box: config.secretKey ? createSecretBox(config.secretKey) : null,
    fetch: createOutboundFetch([...config.channelAllowedHosts]),
    endpoints: config.vendorEndpoints,
    tokens: createTokenCache(),
    publicUrl: config.publicUrl,
    pushRetry: retry,
  }
  // The same key seals second-factor seeds; a missing one only disables two-factor enrolment.
  const secretBox = channels.box ?? undefined
  if (!secretBox) log.warn('XINLIAN_SECRET_KEY is not set: two-factor sign-in cannot be enrolled or checked')
  const rt: Runtime = {
    sql,
    boss,
    notifier: opts.notifier ?? channelNotifier(channels),
    networks,
    timelines: new TimelineCache(),
  }
  const registry: RegistryDeps = {
    sql,
    boss,
    platformUrl: config.cpcPlatformUrl,
    box: config.secretKey ? createSecretBox(config.secretKey) : undefined,
  }
  // Timers due while no process ran (or in flight in one that crashed) fire at once, before the
  // rest of this boot (listeners, workers, and the HTTP layer, which api/server.ts loads after
  // this), without waiting for pg-boss to expire the crashed worker's jobs (their retry later is a
  // no-op: firing is idempotent). So the lateness a restart adds is the boot up to here, not the
  // queue's expiry (test/int/timer-crash.int.test.ts).
  if (opts.workers ?? true) {
    void fireDueTimers(rt)
      .then((fired) => {
        if (fired)
          log.info('due timers fired at boot', { fired, sinceStartMs: Math.round(performance.now()) })
      })
      .catch((e: unknown) => log.error('boot timer re-check failed', describeError(e)))
    // Open cases from before migrations/0023_incoming.sql get their heading projected once.
    void backfillHeadings(rt)
      .then((n) => {
        if (n) log.info('case headings projected at boot', { cases: n })
      })
      .catch((e: unknown) => log.error('heading backfill failed', describeError(e)))
  }
  const live = new LiveHub()
  await live.start(sql)
  const unlistenNetworks = await rt.networks.listen(sql)
  const sessions = new SessionCache()
  const unlistenSessions = await sessions.listen(sql)
  const workers: { queue: string; id: string }[] = []
  if (opts.workers ?? true) {
    workers.push({ queue: 'deadline', id: await startTimerWorker(rt) })
    let vapid: Promise<VapidKeys> | undefined
    const ids = await startPushWorkers({
      rt,
      vapid: () => (vapid ??= loadVapid(sql, config.vapid, config.vapidSubject)),
      allowedHosts: config.pushAllowedHosts,
      retry,
    })
    workers.push({ queue: 'push-send', id: ids.send }, { queue: 'push-escalate', id: ids.escalate })
    const ch = await startChannelWorkers(channels, rt)
    workers.push({ queue: 'ladder-step', id: ch.step }, { queue: 'channel-send', id: ch.send })
    // An alert's push jobs commit with its live message: wake the push workers now instead of
    // waiting out their poll interval (the event → push latency is the product, README.md).
    live.on('message', (m) => {
      if (m.kind !== 'alert') return
      boss.notifyWorker(ids.send)
      boss.notifyWorker(ids.escalate)
      boss.notifyWorker(ch.send)
    })
    workers.push({
      queue: READINESS_QUEUE,
      id: await boss.work(READINESS_QUEUE, { pollingIntervalSeconds: 5 }, async () => {
        const r = await readinessTick(sql, boss, retry)
        if (r.started || r.reported) log.info('readiness tick', r)
      }),
    })
    await boss.schedule(READINESS_QUEUE, '* * * * *')
    workers.push({
      queue: METRICS_REFRESH_QUEUE,
      id: await boss.work(METRICS_REFRESH_QUEUE, { pollingIntervalSeconds: 30 }, async () => {
        const r = await refreshNetworkMetrics(sql)
        if (r.computed || r.province.computed) log.info('metrics refreshed', r)
      }),
    })
    await boss.schedule(METRICS_REFRESH_QUEUE, METRICS_REFRESH_CRON)
    workers.push({ queue: REGISTRY_QUEUE, id: await startRegistryWorker(registry) })
  }
  return {
    deps: {
      config,
      sql,
      boss,
      rt,
      live,
      loginThrottle: new LoginThrottle(),
      sessions,
      registry,
      channels,
      secretBox,
    },
    stop: async () => {
      for (const w of workers) await boss.offWork(w.queue, { id: w.id }).catch(() => undefined)
      await live.stop().catch(() => undefined)
      await unlistenNetworks().catch(() => undefined)
      await unlistenSessions().catch(() => undefined)
    },
  }
}
