/**
 * The server's clock as seen from this device. A township tablet's clock can be minutes off;
 * countdowns and "now" taps use the server time (learnt from `serverTime` in API replies) so that
 * a deadline turns red when it really is late. Offsets under 5 s (network latency) are ignored.
 */
let offsetMs = 0

export function learnServerTime(serverTime: string | undefined, sentAt: number, receivedAt: number): void {
  if (!serverTime) return
  const server = Date.parse(serverTime)
  if (!Number.isFinite(server)) return
  const estimate = server - (sentAt + receivedAt) / 2
  offsetMs = Math.abs(estimate) < 5_000 ? 0 : estimate
}

/** Epoch ms, corrected to the server's clock. */
export const serverNow = (): number => Date.now() + offsetMs
