import { z } from 'zod'
import { CLINICAL_EVENT_TYPES, PAYLOAD_SCHEMAS, type ClinicalEventType } from '../workflows/core/index.ts'
import { Login } from './routes/auth.ts'
import { NewCaseBody } from './routes/cases.ts'
import { PositionBody } from './routes/positions.ts'
import { EndpointBody, SubscriptionBody } from './routes/push.ts'

/**
 * `GET /api/openapi.json` — the contract, generated from the code: the paths are the routes the
 * Hono app actually registered (a test fails when a route has no entry in ROUTE_DOCS), and the
 * request bodies are the zod schemas the handlers validate with.
 */
interface RouteDoc {
  summary: string
  /** Roles allowed ('any' = any signed-in user, 'public' = no sign-in). */
  roles: string
  body?: z.ZodType
}

const eventBody = (type: ClinicalEventType) =>
  z
    .object({
      id: z.uuid().describe('client-made UUID: the idempotency key'),
      type: z.literal(type),
      at: z.iso.datetime({ offset: true }).describe('clinical time; ≤ 5 min in the future'),
      override: z.object({ reason: z.string().min(1) }).optional(),
    })
    .and(PAYLOAD_SCHEMAS[type])

export const ROUTE_DOCS: Record<string, RouteDoc> = {
  'GET /api/health': { summary: 'Database and job-queue status', roles: 'public' },
  'GET /api/openapi.json': { summary: 'This document', roles: 'public' },
  'POST /api/auth/login': {
    summary: 'Sign in → {token, user} + HttpOnly session cookie',
    roles: 'public',
    body: Login,
  },
  'POST /api/auth/logout': { summary: 'End the session', roles: 'any' },
  'POST /api/auth/redeem': { summary: 'Set a password with a one-time code from an admin', roles: 'public' },
  'GET /api/me': { summary: 'The signed-in user', roles: 'any' },
  'GET /api/network': {
    summary: "The caller's network: facilities, travel times, rota (48 h)",
    roles: 'any',
  },
  'GET /api/network/what-if': {
    summary: 'Lysis-first or transfer-first per township (?months, doorToWire, travel[facilityId])',
    roles: 'admin, qa, cardiologist',
  },
  'GET /api/stream': { summary: "Server-Sent Events: the caller's case updates and alerts", roles: 'any' },
  'POST /api/cases': {
    summary: 'Start the chest-pain protocol: case + first_medical_contact (+ symptom_onset)',
    roles: 'village_doctor, township_physician, cardiologist, cath_lab, ems_crew',
    body: NewCaseBody,
  },
  'GET /api/cases': { summary: 'Visible cases (?status=active|closed|all)', roles: 'any' },
  'GET /api/cases/:id': {
    summary: 'Case: phase, events, metrics, deadlines, flags, advice',
    roles: 'any (scoped)',
  },
  'GET /api/cases/:id/replay': {
    summary: 'Recomputed deadlines and alerts vs recorded',
    roles: 'any (scoped)',
  },
  'GET /api/cases/:id/registry': {
    summary: 'National CPC platform: status, REGISTER_ID and every answer',
    roles: 'qa, admin',
  },
  'POST /api/cases/:id/registry/review': { summary: 'QA review (审核) before reporting', roles: 'qa' },
  'GET /api/cases/:id/registry/dry-run': {
    summary: 'Exactly what would be sent to the platform, with mapping problems',
    roles: 'qa, admin',
  },
  'POST /api/cases/:id/registry/report': {
    summary: 'Report (上报) to the platform: 202, a job sends it',
    roles: 'qa',
  },
  'GET /api/admin/platform': {
    summary: 'Platform accounts of the reporting hospitals (no secrets)',
    roles: 'admin',
  },
  'PUT /api/admin/platform': {
    summary: 'Set the platform account {facilityId, appId, secretKey, hospitalCode?, region?}',
    roles: 'admin',
  },
  'GET /api/cases/:id/fhir': { summary: 'FHIR R4 Bundle (collection) of the case', roles: 'any (scoped)' },
  'GET /api/metrics': {
    summary:
      'SPEC §5 aggregates: n, mean, median, p90, within target, outside/flagged cases, rates (docs/qa-api.md)',
    roles: 'qa, admin, cardiologist, cath_lab (network); village/township (own facility)',
  },
  'GET /api/export/cases.csv': {
    summary: 'Registry export: one row per case, UTF-8 BOM, zh/en headers (docs/qa-api.md)',
    roles: 'qa, admin',
  },
  'POST /api/cases/:id/events': {
    summary: '201 stored · 200 same id+body · 409 same id other body / invalid move · 422 invalid',
    roles: 'clinical roles (lysis_decision: cardiologist)',
    body: z.union(CLINICAL_EVENT_TYPES.map(eventBody) as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]),
  },
  'POST /api/cases/:id/attachments': {
    summary:
      'Upload an ECG (multipart field `file`; JPEG/PNG/HEIC/PDF by content, ≤ 15 MB) → 201 {id, contentType, size, sha256}',
    roles: 'clinical roles (scoped)',
  },
  'GET /api/attachments/:id': { summary: 'The ECG file (audited as ecg.view)', roles: 'any (scoped)' },
  'GET /api/consults': { summary: 'Consult inbox (?status=open|all)', roles: 'cardiologist' },
  'GET /api/incoming': {
    summary:
      "Incoming board: patients heading to the caller's facility (or any PCI center), ETA from the travel matrix",
    roles: 'any (scoped)',
  },
  'POST /api/alerts/:alertId/ack': {
    summary: 'Acknowledge an alert (alert_acknowledged, or consult_acknowledged for a consult)',
    roles: 'clinical roles (scoped)',
  },
  'GET /api/cases/:id/notifications': {
    summary:
      'Every attempt to reach someone about the case: [{alertKey, userId, channel, provider, providerId, sentAt, answer, deliveredAt, answeredAt, keyPressed, acknowledgedAt, status}] (docs/alert-channels.md)',
    roles: 'anyone who can see the case',
  },
  'GET /api/channels/wecom/:networkId/callback': {
    summary: "WeCom callback URL verification (echostr), by WeCom's signature",
    roles: 'public (WeCom signature)',
  },
  'POST /api/channels/wecom/:networkId/callback': {
    summary: 'WeCom card button events (signed, AES-encrypted): 接诊 / 批准溶栓 by the mapped cardiologist',
    roles: 'public (WeCom signature)',
  },
  'POST /api/channels/:channel/:provider/:networkId/callback/:token': {
    summary: 'SMS delivery reports, voice call results and key presses (key 1 = acknowledgement)',
    roles: 'public (per-network token in the path)',
  },
  'GET /api/push/public-key': { summary: 'VAPID public key for pushManager.subscribe', roles: 'public' },
  'POST /api/push/subscriptions': {
    summary: 'Register this device (PushSubscription JSON); upsert by endpoint',
    roles: 'any',
    body: SubscriptionBody,
  },
  'DELETE /api/push/subscriptions': {
    summary: 'Unregister one of your devices',
    roles: 'any',
    body: EndpointBody,
  },
  'GET /api/push/subscriptions': { summary: 'Your registered devices', roles: 'any' },
  'GET /api/push/attempts': { summary: 'Push attempts and results (?caseId=)', roles: 'qa, admin' },
  'GET /api/push/readiness': {
    summary: 'On-call readiness: devices, last push, last tap, problems',
    roles: 'admin',
  },
  'POST /api/push/readiness/:id/ack': {
    summary: 'Tap: I can receive consults on this device',
    roles: 'any (own)',
  },
  // ambulance tier (docs/ambulance.md)
  'POST /api/cases/:id/positions': {
    summary: 'A position fix of the transporting vehicle (telemetry; only while in transit)',
    roles: 'ems_crew, transferring physician (scoped)',
    body: PositionBody,
  },
}

/** Admin and other sub-apps document themselves by prefix when not listed one by one. */
const PREFIX_DOCS: [prefix: string, doc: RouteDoc][] = [
  ['/api/admin/', { summary: 'Network administration (see docs/admin-api.md)', roles: 'admin' }],
  [
    '/api/qa/',
    {
      summary: 'QA audit: case list, quality, timeline, access, audit samples (docs/qa-api.md)',
      roles: 'qa, admin',
    },
  ],
  // security controls (docs/security.md)
  [
    '/api/auth/mfa',
    { summary: 'Second factor: complete a sign-in, enrol, status (docs/security.md)', roles: 'public / any' },
  ],
  [
    '/api/auth/sessions',
    { summary: "One's own sessions: list, revoke one, sign out everywhere", roles: 'any' },
  ],
  ['/api/auth/password', { summary: 'Change own password (network password policy)', roles: 'any' }],
  ['/api/security/', { summary: 'Network security policy; reset a lost second factor', roles: 'admin' }],
  // WeCom in-app browser sign-in (api/routes/wecom-oauth.ts, docs/alert-channels.md)
  [
    '/api/auth/wecom/',
    { summary: "Sign in through WeCom's web authorization (card link, callback)", roles: 'public' },
  ],
]

export function docFor(method: string, path: string): RouteDoc | undefined {
  return ROUTE_DOCS[`${method} ${path}`] ?? PREFIX_DOCS.find(([p]) => path.startsWith(p))?.[1]
}

const toOpenApiPath = (p: string) => p.replace(/:(\w+)/g, '{$1}')

export function buildOpenApi(routes: readonly { method: string; path: string }[]) {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const r of routes) {
    if (!r.path.startsWith('/api/') || r.method === 'ALL' || r.path.includes('*')) continue
    const doc = docFor(r.method, r.path)
    const op: Record<string, unknown> = {
      summary: doc?.summary ?? '(undocumented)',
      description: `Roles: ${doc?.roles ?? '?'}`,
      parameters: [...r.path.matchAll(/:(\w+)/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      })),
      responses: { default: { description: 'JSON; errors as {error:{code,message,field?}}' } },
    }
    if (doc?.body) {
      op.requestBody = {
        required: true,
        content: { 'application/json': { schema: z.toJSONSchema(doc.body, { unrepresentable: 'any' }) } },
      }
    }
    ;(paths[toOpenApiPath(r.path)] ??= {})[r.method.toLowerCase()] = op
  }
  return {
    openapi: '3.1.0',
    info: {
      title: '心联 Xinlian API',
      version: '0.1.0',
      description: 'Chest-pain emergency network coordination (SPEC §8)',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        cookie: { type: 'apiKey', in: 'cookie', name: 'xl_session' },
      },
    },
    security: [{ bearer: [] }, { cookie: [] }],
    paths,
  }
}
