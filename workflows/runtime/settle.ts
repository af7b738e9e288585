/**
 * Wait for every one of `work` (the parts of a transaction, their statements pipelined on its
 * connection; null: nothing to wait for), then throw the first failure or answer every value, as
 * `Promise.all` does. `Promise.all` throws at the first failure and leaves the other parts
 * running: a part of several steps would go on issuing statements after the rollback (which the
 * postgres.js patch then refuses with TRANSACTION_ENDED, docs/operations.md).
 */
export async function settleAll<T extends readonly unknown[]>(
  work: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(work)
  const failed = settled.find((r) => r.status === 'rejected')
  if (failed)
    throw failed.reason instanceof Error ? failed.reason : new Error('write failed', { cause: failed.reason })
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as never
}
