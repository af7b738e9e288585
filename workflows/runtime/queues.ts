import type { Queue } from 'pg-boss'

/**
 * All pg-boss queues and their policies, in one place.
 * - `deadline`: one job per (case, timer key). `short` policy keeps at most one queued job per
 *   singletonKey, but correctness never depends on it: a firing job re-derives the case and is a
 *   no-op when stale (house style 5).
 */
export const QUEUES = {
  deadline: { policy: 'short', retryLimit: 5, retryDelay: 2, retryBackoff: true, expireInSeconds: 120 },
} satisfies Record<string, Omit<Queue, 'name'>>

export type QueueName = keyof typeof QUEUES
