import type { CaseEvent } from '../core/index.ts'
import type { CaseRow } from './store/cases.ts'

/** What a delta read builds on (`TimelineCache.base`). */
export interface TimelineBase {
  after: string
  held: Entry | undefined
}

interface Entry {
  /** The case row's creation time: a case purged and created again under its id starts over. */
  createdAt: number
  /** The largest `case_events.seq` held (decimal string of a bigint). */
  seq: string
  events: readonly CaseEvent[]
}

/**
 * The timelines this process has read, so that recording an event reads only what was appended
 * since (usually the previous event) instead of the whole timeline each time.
 *
 * Why a delta by `seq` is the whole truth, across processes: case_events is append-only (the
 * trigger of migrations/0001_foundation.sql refuses update, delete and truncate), every append
 * happens in a transaction holding the case row's lock (workflows/runtime/apply-event.ts, the one
 * writer), and `seq` is assigned at insert. So once a transaction holds the lock, the events of
 * the case that are committed are exactly those read before plus those with a larger `seq`, in
 * `seq` order — whichever process wrote them. The entry is only ever replaced by a longer one
 * read under the lock; nothing written by an uncommitted transaction enters it.
 */
export class TimelineCache {
  private readonly entries = new Map<string, Entry>()
  private readonly max: number
  constructor(max = 5_000) {
    this.max = max
  }

  /**
   * What a delta read of `caseId` builds on: what is held now, and the `seq` the read under the
   * lock starts after ('0': nothing held). Taken when the read is sent: a request of this process
   * for the same case that finishes meanwhile replaces the entry, not this base.
   */
  base(caseId: string): TimelineBase {
    const held = this.entries.get(caseId)
    return { after: held?.seq ?? '0', held }
  }

  /**
   * The whole timeline: `base` plus `read`, the events after `base.after` read under the lock of
   * `c` (up to `lastSeq`); the cache keeps the longest read. Null when what was held belongs to
   * another case under the same id (purged and created again): read it whole then.
   */
  combine(
    caseId: string,
    base: TimelineBase,
    c: CaseRow,
    read: readonly CaseEvent[],
    lastSeq: string,
  ): CaseEvent[] | null {
    const { held } = base
    const createdAt = c.createdAt.getTime()
    if (held && held.createdAt !== createdAt) {
      if (this.entries.get(caseId) === held) this.entries.delete(caseId)
      return null
    }
    const events = held ? [...held.events, ...read] : [...read]
    const now = this.entries.get(caseId)
    if (!now || BigInt(now.seq) <= BigInt(lastSeq)) {
      this.entries.delete(caseId) // re-insert: the map's order is the recency order
      this.entries.set(caseId, { createdAt, seq: lastSeq, events })
      if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!)
    }
    return events
  }

  /** How many events of a case are held (tests, diagnostics). */
  held(caseId: string): number | undefined {
    return this.entries.get(caseId)?.events.length
  }

  clear(): void {
    this.entries.clear()
  }
}
