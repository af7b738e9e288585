import type { Queue } from 'pg-boss'

/**
 * All pg-boss queues and their policies, in one place.
 * - `deadline`: one job per (case, timer key). `short` policy keeps at most one queued job per
 *   singletonKey, but correctness never depends on it: a firing job re-derives the case and is a
 *   no-op when stale. Its expiry is short (30 s) because firing is idempotent:
 *   a job left `active` by a crashed process is retried by pg-boss soon after, and every boot
 *   re-checks the due timers at once (workflows/runtime/workers.ts fireDueTimers).
 * - `push-send`: one job per (alert or readiness check, device). Retried with exponential backoff
 *   (1 s, 2 s, 4 s): a push that arrives a minute late is still worth it, a push-service outage
 *   longer than that escalates instead (see workflows/runtime/push/sender.ts).
 * - `push-escalate`: escalate a consult at once when no device of the first-line can be reached.
 * - `push-readiness`: the per-minute cron tick that starts readiness checks at rota slot starts.
 * - `metrics-refresh`: the five-minute cron tick that recomputes the QA results of changed networks.
 */
export const QUEUES = {
  deadline: { policy: 'short', retryLimit: 5, retryDelay: 2, retryBackoff: true, expireInSeconds: 30 },
  'push-send': {
    policy: 'standard',
    retryLimit: 3,
    retryDelay: 1,
    retryBackoff: true,
    retryDelayMax: 30,
    expireInSeconds: 60,
  },
  'push-escalate': {
    policy: 'standard',
    retryLimit: 5,
    retryDelay: 1,
    retryBackoff: true,
    expireInSeconds: 60,
  },
  'push-readiness': { policy: 'standard', retryLimit: 1, expireInSeconds: 120 },
  // One report to the national platform per job; retried with backoff through platform outages.
  'registry-report': {
    policy: 'standard',
    retryLimit: 8,
    retryDelay: 30,
    retryBackoff: true,
    expireInSeconds: 120,
  },
  // Alert ladder (workflows/runtime/channels/dispatch.ts): one job per later step of an alert,
  // due at the step's clinical time; a firing job re-checks the case, so a stale one is a no-op.
  'ladder-step': {
    policy: 'standard',
    retryLimit: 5,
    retryDelay: 1,
    retryBackoff: true,
    expireInSeconds: 60,
  },
  // One vendor call (WeCom message, SMS, voice call). Retried only on network errors and 5xx:
  // a call a minute late is still worth it; after that the ladder's next step has taken over.
  'channel-send': {
    policy: 'standard',
    retryLimit: 2,
    retryDelay: 2,
    retryBackoff: true,
    expireInSeconds: 60,
  },
  // The five-minute tick that keeps the networks' QA results warm (workflows/runtime/metrics-refresh.ts):
  // never retried, the next tick does the same work.
  'metrics-refresh': { policy: 'standard', retryLimit: 0, expireInSeconds: 240 },
} satisfies Record<string, Omit<Queue, 'name'>>

export type QueueName = keyof typeof QUEUES
