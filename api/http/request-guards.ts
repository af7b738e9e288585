/**
 * Guards every request passes before a route sees it: body size, content type and the origin of
 * cookie-authenticated writes. Routes then read bodies knowing they are bounded and well-typed.
 */
import type { Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { createMiddleware } from 'hono/factory'
import { problem } from '../../workflows/core/problem.ts'
import { findUnstorable } from '../../workflows/core/storable.ts'
import { SESSION_COOKIE } from './auth.ts'
import type { AppEnv } from './env.ts'

/** JSON bodies: the largest legitimate one (an admin rota template, a QA abstraction) is far below. */
export const JSON_LIMIT_BYTES = 1024 * 1024
/** The admin CSV import (JSON or multipart), a network's facilities, travel times and users. */
export const IMPORT_LIMIT_BYTES = 8 * 1024 * 1024

const UNSAFE = /^(POST|PUT|PATCH|DELETE)$/
/** Endpoints that take multipart/form-data; each sets its own size limit (attachments) or uses IMPORT_LIMIT_BYTES. */
const MULTIPART_ONLY = /^\/api\/cases\/[^/]+\/attachments\/?$/
const MULTIPART_OR_JSON = /^\/api\/admin\/import\/?$/

const mediaType = (c: Context) => (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
const isJson = (t: string) => t === 'application/json' || /^application\/[\w.+-]+\+json$/.test(t)

const tooLarge = (maxSize: number) => () => {
  throw problem('too_large', 'body', { limit: maxSize })
}
/** Streamed bodies (no Content-Length): counted while read, refused once over the limit. */
const streamedJson = bodyLimit({ maxSize: JSON_LIMIT_BYTES, onError: tooLarge(JSON_LIMIT_BYTES) })
const streamedImport = bodyLimit({ maxSize: IMPORT_LIMIT_BYTES, onError: tooLarge(IMPORT_LIMIT_BYTES) })

/**
 * Size limits for every body, anonymous routes included: a declared Content-Length over the limit
 * is refused before reading; a streamed body is read in full only up to the limit; 413
 * `too_large` either way. The declared length is checked from the header alone: hono's bodyLimit
 * asks for the request's web stream first, which makes @hono/node-server build a full `Request`
 * (an AbortController and a ReadableStream over the socket) for every POST instead of reading
 * the body straight from Node's stream — the most expensive step of an event POST's HTTP handling.
 * Node's HTTP parser holds a body to its Content-Length, so the declared size is the size read.
 */
export const bodyLimits = createMiddleware<AppEnv>(async (c, next) => {
  if (!UNSAFE.test(c.req.method) || MULTIPART_ONLY.test(c.req.path)) return next()
  const importing = MULTIPART_OR_JSON.test(c.req.path)
  const declared = c.req.header('content-length')
  if (declared !== undefined && c.req.header('transfer-encoding') === undefined) {
    const maxSize = importing ? IMPORT_LIMIT_BYTES : JSON_LIMIT_BYTES
    if (Number(declared) > maxSize) tooLarge(maxSize)()
    return next()
  }
  return (importing ? streamedImport : streamedJson)(c, next)
})

/**
 * Content types: JSON endpoints take `application/json` only (a cross-site form or `text/plain`
 * post is refused before anything parses it: 415), multipart endpoints take multipart with a
 * boundary (422 naming `content-type` without one). A write without a content type must have no body.
 */
/** The vendors' callback URLs (docs/alert-channels.md). */
const VENDOR_CALLBACK = /^\/api\/channels\/[^/]+\/(?:[^/]+\/)?[^/]+\/callback(?:\/[^/]+)?$/

export const contentTypes = createMiddleware<AppEnv>(async (c, next) => {
  if (!UNSAFE.test(c.req.method) || !c.req.path.startsWith('/api/')) return next()
  // Vendor callbacks (WeCom XML, SMS/voice reports) come in the vendor's own format; they are
  // authenticated by the vendor's signature or the per-network token and parsed by their route.
  if (VENDOR_CALLBACK.test(c.req.path)) return next()
  const type = mediaType(c)
  const multipartOk = MULTIPART_ONLY.test(c.req.path) || MULTIPART_OR_JSON.test(c.req.path)
  const jsonOk = !MULTIPART_ONLY.test(c.req.path)
  if (type === '') {
    // No declared type: only an empty body (POST …/ack, DELETE …) is acceptable.
    const body = c.req.raw.body ? await c.req.arrayBuffer() : new ArrayBuffer(0)
    if (body.byteLength > 0) throw problem('unsupported_media_type', 'content-type')
    return next()
  }
  if (type === 'multipart/form-data' && multipartOk) {
    if (!/;\s*boundary=("?)[^";]+\1/i.test(c.req.header('content-type') ?? ''))
      throw problem('invalid', 'content-type')
    return next()
  }
  if (isJson(type) && jsonOk) {
    // Parse once (routes get Hono's cached body); one that does not parse is the route's 400.
    const body: unknown = await c.req.json().catch(() => undefined)
    refuseUnstorable(body)
    return next()
  }
  throw problem('unsupported_media_type', 'content-type')
})

/** 422 naming the field when a value could not be stored (workflows/core/storable.ts). */
function refuseUnstorable(value: unknown) {
  const bad = findUnstorable(value)
  if (bad) throw problem('invalid', bad.field, { reason: bad.problem })
}

/** Query strings too: `?q=%00` must be a 422, not a database error. */
export const storableQuery = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.url.includes('?')) refuseUnstorable(c.req.query())
  return next()
})

/**
 * CSRF: a write carried by the session cookie (not a bearer token, which a foreign page cannot
 * attach) must come from our own pages. Browsers say where a request comes from in
 * `Sec-Fetch-Site` (same-origin only) or, failing that, `Origin` (our public origin or the
 * request's own; `null` is refused). The checks of hono/csrf, applied to every content type
 * rather than to form posts only; SameSite=Lax on the cookie stays as a second line.
 */
export const originCheck = createMiddleware<AppEnv>(async (c, next) => {
  if (!UNSAFE.test(c.req.method) || !c.req.path.startsWith('/api/')) return next()
  const bearer = c.req.header('authorization')?.toLowerCase().startsWith('bearer ')
  const cookie = c.req.header('cookie') ?? ''
  if (bearer || !cookie.includes(`${SESSION_COOKIE}=`)) return next()
  const site = c.req.header('sec-fetch-site')
  if (site !== undefined) {
    if (site !== 'same-origin') throw problem('cross_site')
    return next()
  }
  const origin = c.req.header('origin')
  if (origin !== undefined) {
    const allowed = new Set([new URL(c.req.url).origin, new URL(c.var.deps.config.publicUrl).origin])
    if (!allowed.has(origin)) throw problem('cross_site')
  }
  return next()
})

/**
 * HSTS only where it means something: on a deployment whose public URL is https (TLS at the
 * reverse proxy). Sent over plain http it is ignored by browsers and misleads reviewers.
 */
export const strictTransport = createMiddleware<AppEnv>(async (c, next) => {
  await next()
  if (c.var.deps.config.publicUrl.startsWith('https://'))
    c.header('Strict-Transport-Security', 'max-age=31536000; includeSubDomains')
})
