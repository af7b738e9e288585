import { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import { canSeeCase } from '../../workflows/core/access.ts'
import type { LiveMessage } from '../../workflows/runtime/live.ts'
import { requireUser } from '../http/auth.ts'
import type { AppEnv } from '../http/env.ts'
import { userBySession } from '../../workflows/runtime/store/users.ts'

/**
 * `GET /api/stream` — Server-Sent Events of the caller's case updates and alerts, fed by
 * Postgres LISTEN/NOTIFY (works across API processes). Events: `case` {caseId, eventId, type},
 * `alert` {caseId, alertId, template, rule, alertKey}, `resync` (reconnected: re-fetch), `ping`, `signed_out` (the session ended: the stream closes).
 */
export const streamRoutes = new Hono<AppEnv>().use(requireUser).get('/', (c) => {
  const user = c.var.user
  const { live } = c.var.deps
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
    const onMessage = (m: LiveMessage) => {
      if (!visible(m)) return
      const { recipients: _r, ...rest } = m as LiveMessage & { recipients?: string[] }
      void stream.writeSSE({ event: m.kind, data: JSON.stringify(rest) })
    }
    const onResync = () => void stream.writeSSE({ event: 'resync', data: '{}' })
    live.on('message', onMessage)
    live.on('resync', onResync)
    let close!: () => void
    const closed = new Promise<void>((r) => (close = r))
    const ping = setInterval(() => void stream.writeSSE({ event: 'ping', data: String(Date.now()) }), 25_000)
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
    await stream.writeSSE({ event: 'hello', data: JSON.stringify({ userId: user.id }) })
    await closed
  })
})
