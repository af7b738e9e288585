import fs from 'node:fs'
import path from 'node:path'
import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'
import { requestId } from 'hono/request-id'
import { routePath } from 'hono/route'
import { secureHeaders } from 'hono/secure-headers'
import { problemOf } from '../workflows/core/problem.ts'
import { log } from '../workflows/runtime/platform/log.ts'
import { buildOpenApi } from './openapi.ts'
import type { AppEnv, Deps } from './http/env.ts'
import { adminRoutes } from './routes/admin.ts'
import { authRoutes, meRoutes } from './routes/auth.ts'
import { healthRoutes } from './routes/health.ts'
import { caseRoutes } from './routes/cases.ts'
import { recordNumberRoutes } from './routes/record-number.ts'
import { incomingRoutes } from './routes/incoming.ts'
import { positionRoutes } from './routes/positions.ts'
import { networkRoutes } from './routes/network.ts'
import { redeemRoutes } from './routes/redeem.ts'
import { streamRoutes } from './routes/stream.ts'
import { exportRoutes, fhirRoutes } from './routes/export.ts'
import { metricsRoutes, provinceMetricsRoutes } from './routes/metrics.ts'
import { qaRoutes } from './routes/qa.ts'
import { alertRoutes } from './routes/alerts.ts'
import { attachmentRoutes } from './routes/attachments.ts'
import { consultRoutes } from './routes/consults.ts'
import { pushRoutes } from './routes/push.ts'
import { platformAdminRoutes, registryRoutes } from './routes/registry.ts'
import { whatIfRoutes } from './routes/what-if.ts'
import { isDatabaseUnavailable } from '../workflows/runtime/platform/connect.ts'
import {
  bodyLimits,
  contentTypes,
  originCheck,
  storableQuery,
  strictTransport,
} from './http/request-guards.ts'
import { errorName, problemBody, toProblem } from './http/problem-response.ts'
import { caseNotificationRoutes, deliveryProblemRoutes } from './routes/case-notifications.ts'
import { channelRoutes } from './routes/channels.ts'
import { securityPolicyRoutes } from './routes/security-policy.ts'
import { wecomOAuthRoutes } from './routes/wecom-oauth.ts'
import { syncRoutes } from './routes/sync.ts'

const SESSION_WRITES = /^\/api\/(admin|auth|me|security)(\/|$)/

export const PWA_DIST = path.resolve(import.meta.dirname, '../pwa/dist')

/** Build the whole HTTP app from its dependencies; no listening, no module singletons. */
export function createApp(deps: Deps) {
  const app = new Hono<AppEnv>()
  app.use(requestId())
  app.use(async (c, next) => {
    c.set('deps', deps)
    await next()
  })
  app.use(
    secureHeaders({
      // Routes may set their own (an attachment's sandbox CSP): keep theirs.
      overwrite: false,
      xFrameOptions: 'DENY',
      // Sent only over https (strictTransport below).
      strictTransportSecurity: false,
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'"],
        workerSrc: ["'self'"],
        manifestSrc: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
      },
      crossOriginEmbedderPolicy: false,
    }),
  )

  app.use(strictTransport)
  // Sessions are answered from memory for a few seconds (api/http/session-cache.ts): a write that
  // may change who may do what (sign-out, people, roles, facilities, second factors, policies)
  // empties this process's cache, so it is seen here at once; other processes within the TTL.
  app.use('/api/*', async (c, next) => {
    await next()
    if (SESSION_WRITES.test(c.req.path) && c.req.method !== 'GET' && c.req.method !== 'HEAD')
      deps.sessions?.clear()
  })
  app.use('/api/*', originCheck, bodyLimits, contentTypes, storableQuery)

  const api = new Hono<AppEnv>()
    .route('/health', healthRoutes)
    .route('/auth/wecom', wecomOAuthRoutes)
    .route('/auth', authRoutes)
    .route('/me', meRoutes)
    .route('/network/what-if', whatIfRoutes)
    .route('/network', networkRoutes)
    .route('/cases', caseRoutes)
    .route('/stream', streamRoutes)
    .route('/admin', adminRoutes)
    .route('/auth', redeemRoutes)
    .route('/cases', fhirRoutes)
    .route('/metrics', metricsRoutes)
    .route('/province/metrics', provinceMetricsRoutes)
    .route('/qa', qaRoutes)
    .route('/export', exportRoutes)
    .route('/', attachmentRoutes)
    .route('/consults', consultRoutes)
    .route('/incoming', incomingRoutes)
    .route('/push', pushRoutes)
    .route('/alerts', alertRoutes)
    .route('/cases', registryRoutes)
    .route('/cases', recordNumberRoutes)
    .route('/admin/platform', platformAdminRoutes)
    .route('/cases', caseNotificationRoutes)
    .route('/delivery-problems', deliveryProblemRoutes)
    .route('/channels', channelRoutes)
    .route('/security', securityPolicyRoutes)
    // ambulance tier (docs/ambulance.md)
    .route('/cases', positionRoutes)
    // the offline outbox's queue in one request (api/routes/sync.ts)
    .route('/sync', syncRoutes)
  app.route('/api', api)
  const openapi = buildOpenApi()
  app.get('/api/openapi.json', (c) => c.json(openapi))
  app.all('/api/*', (c) => c.json(problemBody(problemOf('not_found', undefined, { path: c.req.path })), 404))

  // The PWA, same origin. sw.js must never be cached by the HTTP layer.
  app.use('/sw.js', async (c, next) => {
    await next()
    c.header('Cache-Control', 'no-cache')
  })
  if (fs.existsSync(PWA_DIST))
    app.use('/*', serveStatic({ root: path.relative(process.cwd(), PWA_DIST) || '.' }))
  app.get('*', (c) => {
    const index = path.join(PWA_DIST, 'index.html')
    if (fs.existsSync(index)) return c.html(fs.readFileSync(index, 'utf8'))
    return c.html(
      '<!doctype html><meta charset="utf-8"><title>心联 Xinlian</title><h1>心联 Xinlian</h1><p>The app is not built yet: run <code>npm run build:pwa</code>.</p>',
    )
  })

  // The one error handler: every refusal is a Problem; its text is rendered from the catalogue.
  app.onError((err, c) => {
    if (isDatabaseUnavailable(err)) {
      // The database went away (killed, restarting, failing over): say so, and let the pools
      // reconnect by themselves; the PWA's outbox re-sends what it keeps.
      log.warn('database unavailable', { requestId: c.var.requestId, path: c.req.path })
      c.header('Retry-After', '2')
      return c.json(problemBody(problemOf('unavailable')), 503)
    }
    const p = toProblem(err)
    if (p) return c.json(problemBody(p), p.status)
    // Unknown: logged with the request id (no body, no patient data), answered generically.
    const requestId = c.var.requestId
    log.error('unhandled error', { requestId, path: routePath(c), error: errorName(err) })
    return c.json(problemBody(problemOf('internal', undefined, { requestId })), 500)
  })
  return app
}

export type App = ReturnType<typeof createApp>
