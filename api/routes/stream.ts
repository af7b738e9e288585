import { z } from 'zod'
import { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import { problem } from '../../workflows/core/problem.ts'
import { canSeeCase, caseScopeOf } from '../../workflows/core/access.ts'
import { CATCH_UP_WINDOW_MS, missedSince, type LiveMessage } from '../../workflows/runtime/live.ts'
import { requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { op, type Operation } from '../http/contract.ts'
import { userBySession } from '../../workflows/runtime/store/users.ts'

/**
 * `GET /api/stream` — Server-Sent Events of the caller's case updates and alerts, fed by
 * Postgres LISTEN/NOTIFY (works across API processes). Events: `case` {caseId, eventId, type},
 * `alert` {caseId, alertId, template, rule, alertKey}, `resync` (reconnected: re-fetch), `ping`, `signed_out` (the session ended: the stream closes).
 *
 * Every message carries an SSE `id` (the server's clock in ms). A client that reconnects sends
 * the last one back (`Last-Event-ID`, or `?since=` after a page reload) and first receives what
 * it missed: the cases that changed and the alerts addressed to it since then, then `caught_up`.
 */
export const streamRoutes = new Hono<AppEnv>().use(requireUser).get('/', (c) => {
  const user = c.var.user
  const { live, sql } = c.var.deps
  const raw = c.req.header('last-event-id') ?? c.req.query('since')
  if (raw !== undefined && raw !== '' && !/^\d{1,15}$/.test(raw)) throw problem('invalid', 'since')
  const since = raw ? Number(raw) : null
  c.header('Cache-Control', 'no-cache, no-transform')
  c.header('X-Accel-Buffering', 'no')
  return streamSSE(c, async (stream) => {
    const visible = (m: LiveMessage): boolean => {
      if (m.networkId !== user.networkId) return false
      if (m.kind === 'case')
        return canSeeCase(user, {
          networkId: m.networkId,
          facilityId: m.facilityIds[0] ?? '',
          facilityIds: m.facilityIds,
        })
      return m.recipients.includes(user.id)
    }
    const write = (event: string, data: unknown) =>
      stream.writeSSE({ event, data: JSON.stringify(data), id: String(Date.now()) })
    const onMessage = (m: LiveMessage) => {
      if (!visible(m)) return
      const { recipients: _r, ...rest } = m as LiveMessage & { recipients?: string[] }
      void write(m.kind, rest)
    }
    const onResync = () => void write('resync', {})
    // Listen before reading what was missed, so nothing falls between the two (a message seen
    // twice only causes a second refetch).
    live.on('message', onMessage)
    live.on('resync', onResync)
    let close!: () => void
    const closed = new Promise<void>((r) => (close = r))
    const ping = setInterval(() => void write('ping', Date.now()), 25_000)
    // A stream outlives the request that opened it: re-check its session now and then, so that a
    // deactivated user, a reset password or a sign-out everywhere also ends open streams.
    const recheck = setInterval(() => {
      userBySession(c.var.deps.sql, c.var.tokenHash).then(
        (still) => {
          if (still) return
          void stream.writeSSE({ event: 'signed_out', data: '{}' }).finally(() => stream.abort())
        },
        () => undefined, // database unavailable: keep the stream; the next check decides
      )
    }, c.var.deps.config.streamRecheckSeconds * 1000)
    stream.onAbort(() => {
      clearInterval(ping)
      clearInterval(recheck)
      live.off('message', onMessage)
      live.off('resync', onResync)
      close()
    })
    await write('hello', { userId: user.id })
    if (since !== null) {
      if (Date.now() - since > CATCH_UP_WINDOW_MS) await write('resync', {})
      else {
        const missed = await missedSince(
          sql,
          { id: user.id, networkId: user.networkId, facilityScope: caseScopeOf(user) },
          since,
        )
        for (const m of missed.messages) onMessage(m)
        if (missed.resync) await write('resync', {})
      }
      await write('caught_up', {})
    }
    await closed
  })
})

export const streamContract: Operation[] = [
  op({
    method: 'GET',
    path: '/api/stream',
    summary:
      "Server-Sent Events: the caller's case updates and alerts (case, alert, resync, caught_up, ping, signed_out); resumes from Last-Event-ID or ?since",
    roles: 'any',
    query: z.object({
      since: z
        .string()
        .regex(/^\d{1,15}$/)
        .optional(),
    }),
    produces: 'text/event-stream',
  }),
]
