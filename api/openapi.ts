import { z } from 'zod'
import { ProblemBody, type Operation } from './http/contract.ts'
import { adminContract } from './routes/admin.ts'
import { adminChannelsContract } from './routes/admin-channels.ts'
import { adminFacilitiesContract } from './routes/admin-facilities.ts'
import { adminImportContract } from './routes/admin-import.ts'
import { adminQaGrantsContract } from './routes/admin-qa-grants.ts'
import { adminRotaContract } from './routes/admin-rota.ts'
import { adminUsersContract } from './routes/admin-users.ts'
import { alertsContract } from './routes/alerts.ts'
import { attachmentsContract } from './routes/attachments.ts'
import { authContract } from './routes/auth.ts'
import { caseNotificationsContract } from './routes/case-notifications.ts'
import { casesContract } from './routes/cases.ts'
import { channelsContract } from './routes/channels.ts'
import { consultsContract } from './routes/consults.ts'
import { exportContract } from './routes/export.ts'
import { healthContract } from './routes/health.ts'
import { incomingContract } from './routes/incoming.ts'
import { metricsContract } from './routes/metrics.ts'
import { mfaContract } from './routes/mfa.ts'
import { networkContract } from './routes/network.ts'
import { positionsContract } from './routes/positions.ts'
import { pushContract } from './routes/push.ts'
import { qaContract } from './routes/qa.ts'
import { redeemContract } from './routes/redeem.ts'
import { registryContract } from './routes/registry.ts'
import { securityPolicyContract } from './routes/security-policy.ts'
import { streamContract } from './routes/stream.ts'
import { whatIfContract } from './routes/what-if.ts'
import { recordNumberContract } from './routes/record-number.ts'
import { wecomOAuthContract } from './routes/wecom-oauth.ts'
import { syncContract } from './routes/sync.ts'

/**
 * `GET /api/openapi.json` — the contract, assembled from the operations each route file declares
 * next to its handlers (api/http/contract.ts): the same zod schemas the handlers validate with.
 * Request bodies and queries are rendered as their *input* (a field with a default is not
 * required), responses as their *output*.
 */
export const OPERATIONS: readonly Operation[] = [
  ...healthContract,
  {
    method: 'GET',
    path: '/api/openapi.json',
    summary: 'This document (OpenAPI 3.1)',
    roles: 'public',
    response: z.looseObject({ openapi: z.literal('3.1.0'), paths: z.record(z.string(), z.unknown()) }),
  },
  ...authContract,
  ...mfaContract,
  ...wecomOAuthContract,
  ...redeemContract,
  ...networkContract,
  ...whatIfContract,
  ...casesContract,
  ...recordNumberContract,
  ...positionsContract,
  ...syncContract,
  ...caseNotificationsContract,
  ...registryContract,
  ...exportContract,
  ...attachmentsContract,
  ...streamContract,
  ...metricsContract,
  ...qaContract,
  ...consultsContract,
  ...incomingContract,
  ...alertsContract,
  ...pushContract,
  ...channelsContract,
  ...securityPolicyContract,
  ...adminContract,
  ...adminFacilitiesContract,
  ...adminUsersContract,
  ...adminQaGrantsContract,
  ...adminRotaContract,
  ...adminImportContract,
  ...adminChannelsContract,
]

export function operationFor(method: string, path: string): Operation | undefined {
  return OPERATIONS.find((o) => o.method === method && o.path === path)
}

type JsonSchema = Record<string, unknown>

/** JSON Schema 2020-12 (the dialect of OpenAPI 3.1) of a zod schema, as input or as output. */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...s } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema
  return s
}

const toOpenApiPath = (p: string) => p.replace(/:(\w+)/g, '{$1}')

function parameters(o: Operation) {
  const out: Record<string, unknown>[] = []
  const names = [...o.path.matchAll(/:(\w+)/g)].map((m) => m[1]!)
  const params = o.params ? (jsonSchema(o.params, 'input').properties as Record<string, JsonSchema>) : {}
  for (const name of names)
    out.push({ name, in: 'path', required: true, schema: params[name] ?? { type: 'string' } })
  if (o.query) {
    const q = jsonSchema(o.query, 'input')
    const required = new Set((q.required as string[] | undefined) ?? [])
    for (const [name, schema] of Object.entries((q.properties ?? {}) as Record<string, JsonSchema>)) {
      const { description, ...rest } = schema
      out.push({
        name,
        in: 'query',
        required: required.has(name),
        ...(typeof description === 'string' ? { description } : {}),
        schema: rest,
      })
    }
  }
  return out
}

const problemRef = { $ref: '#/components/schemas/Problem' }

function operation(o: Operation) {
  const status = String(o.status ?? 200)
  const success: Record<string, unknown> = { description: o.summary }
  if (o.response) success.content = { 'application/json': { schema: jsonSchema(o.response, 'output') } }
  else if (o.produces) {
    const schema = o.producesSchema ? jsonSchema(o.producesSchema, 'output') : {}
    success.content = Object.fromEntries([o.produces].flat().map((type) => [type, { schema }]))
  }
  const op: Record<string, unknown> = {
    operationId: `${o.method.toLowerCase()}${o.path
      .replace(/^\/api/, '')
      .replace(/[^A-Za-z0-9]+(\w)?/g, (_m, ch?: string) => (ch ? ch.toUpperCase() : ''))}`,
    summary: o.summary,
    description: `Roles: ${o.roles}`,
    parameters: parameters(o),
    responses: {
      [status]: success,
      default: {
        description: 'Error: {error:{code, message, messageZh, field?, params?}}',
        content: { 'application/json': { schema: problemRef } },
      },
    },
  }
  if (o.roles === 'public' || o.roles.startsWith('public')) op.security = []
  if (o.body)
    op.requestBody = {
      required: !o.bodyOptional,
      content: { 'application/json': { schema: jsonSchema(o.body, 'input') } },
    }
  else if (o.bodyContent)
    op.requestBody = {
      required: true,
      content: { [o.bodyContent.type]: { schema: jsonSchema(o.bodyContent.schema, 'input') } },
    }
  return op
}

export function buildOpenApi(operations: readonly Operation[] = OPERATIONS) {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const o of operations) (paths[toOpenApiPath(o.path)] ??= {})[o.method.toLowerCase()] = operation(o)
  return {
    openapi: '3.1.0',
    info: {
      title: '心联 Xinlian API',
      version: '0.1.0',
      description: 'Chest-pain emergency network coordination (docs/ in the repository)',
    },
    components: {
      schemas: { Problem: jsonSchema(ProblemBody, 'output') },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        cookie: { type: 'apiKey', in: 'cookie', name: 'xl_session' },
      },
    },
    security: [{ bearer: [] }, { cookie: [] }],
    paths,
  }
}
