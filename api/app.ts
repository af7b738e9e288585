import fs from 'node:fs'
import path from 'node:path'
import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { requestId } from 'hono/request-id'
import { secureHeaders } from 'hono/secure-headers'
import { log } from '../workflows/runtime/platform/log.ts'
import { buildOpenApi } from './openapi.ts'
import type { AppEnv, Deps } from './http/env.ts'
import { ApiError } from './http/errors.ts'
import { adminRoutes } from './routes/admin.ts'
import { authRoutes, meRoutes } from './routes/auth.ts'
import { healthRoutes } from './routes/health.ts'
import { caseRoutes } from './routes/cases.ts'
import { incomingRoutes } from './routes/incoming.ts'
import { positionRoutes } from './routes/positions.ts'
import { networkRoutes } from './routes/network.ts'
import { redeemRoutes } from './routes/redeem.ts'
import { streamRoutes } from './routes/stream.ts'
import { exportRoutes, fhirRoutes } from './routes/export.ts'
import { metricsRoutes } from './routes/metrics.ts'
import { qaRoutes } from './routes/qa.ts'
import { alertRoutes } from './routes/alerts.ts'
import { attachmentRoutes } from './routes/attachments.ts'
import { consultRoutes } from './routes/consults.ts'
import { pushRoutes } from './routes/push.ts'
import { platformAdminRoutes, registryRoutes } from './routes/registry.ts'
import { whatIfRoutes } from './routes/what-if.ts'
import { Refused } from '../workflows/runtime/apply-event.ts'
import { ProblemError } from '../workflows/core/problem.ts'
import { isMessageKey, render, type Lang } from '../workflows/core/messages/index.ts'

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
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'"],
        workerSrc: ["'self'"],
        manifestSrc: ["'self'"],
        frameAncestors: ["'none'"],
      },
      crossOriginEmbedderPolicy: false,
    }),
  )

  const api = new Hono<AppEnv>()
    .route('/health', healthRoutes)
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
    .route('/qa', qaRoutes)
    .route('/export', exportRoutes)
    .route('/', attachmentRoutes)
    .route('/consults', consultRoutes)
    .route('/push', pushRoutes)
    .route('/alerts', alertRoutes)
    .route('/cases', registryRoutes)
    .route('/admin/platform', platformAdminRoutes)
    // ambulance tier (docs/ambulance.md)
    .route('/cases', positionRoutes)
    .route('/incoming', incomingRoutes)
  app.route('/api', api)
  app.get('/api/openapi.json', (c) => c.json(buildOpenApi(app.routes)))
  app.all('/api/*', (c) =>
    c.json({ error: { code: 'not_found', message: `No such endpoint: ${c.req.path}` } }, 404),
  )

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

  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(err.toJSON(), err.status)
    if (err instanceof ProblemError) {
      const { code, status, field, params } = err.problem
      const key = `problem.${code}`
      const text = (lang: Lang) => (isMessageKey(key) ? render(lang, key, params) : code)
      return c.json({ error: { code, message: text('en'), messageZh: text('zh-CN'), field, params } }, status)
    }
    if (err instanceof Refused) {
      return c.json(
        {
          error: { code: err.reason, message: err.messages.en, messageZh: err.messages.zh, field: err.field },
        },
        err.status,
      )
    }
    if (err instanceof HTTPException) {
      return c.json({ error: { code: `http_${err.status}`, message: err.message } }, err.status)
    }
    log.error('unhandled error', { requestId: c.var.requestId, path: c.req.path, error: String(err) })
    return c.json({ error: { code: 'internal', message: 'Internal error', requestId: c.var.requestId } }, 500)
  })
  return app
}

export type App = ReturnType<typeof createApp>
