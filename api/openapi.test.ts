import SwaggerParser from '@apidevtools/swagger-parser'
import { describe, expect, it } from 'vitest'
import { createApp } from './app.ts'
import { buildOpenApi, OPERATIONS, operationFor } from './openapi.ts'

describe('openapi', () => {
  const app = createApp({} as never)
  const apiRoutes = app.routes.filter(
    (r) => r.path.startsWith('/api/') && r.method !== 'ALL' && !r.path.includes('*'),
  )
  const doc = buildOpenApi() as any

  it('documents every route the app registers, and nothing else', () => {
    const undocumented = apiRoutes
      .filter((r) => !operationFor(r.method, r.path))
      .map((r) => `${r.method} ${r.path}`)
    expect(undocumented).toEqual([])
    const registered = new Set(apiRoutes.map((r) => `${r.method} ${r.path}`))
    const stale = OPERATIONS.map((o) => `${o.method} ${o.path}`).filter((k) => !registered.has(k))
    expect(stale).toEqual([])
    const keys = OPERATIONS.map((o) => `${o.method} ${o.path}`)
    expect(keys.length).toBe(new Set(keys).size)
  })

  it('is a valid OpenAPI 3.1 document (swagger-parser: 0 errors)', async () => {
    // validate() dereferences in place: give it a copy.
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeTruthy()
  })

  it('declares every path parameter, and a response schema for every JSON GET', () => {
    for (const o of OPERATIONS) {
      const operation = doc.paths[o.path.replace(/:(\w+)/g, '{$1}')][o.method.toLowerCase()]
      const declared = operation.parameters.filter((p: any) => p.in === 'path').map((p: any) => p.name)
      expect(declared, `${o.method} ${o.path}`).toEqual([...o.path.matchAll(/:(\w+)/g)].map((m) => m[1]))
      if (o.method === 'GET') expect(o.response ?? o.produces, `${o.method} ${o.path}`).toBeTruthy()
      if (o.params) expect(Object.keys(o.params.shape).sort()).toEqual([...declared].sort())
    }
  })

  it('documents request bodies as the server accepts them (input: a default is not required)', () => {
    const cases = doc.paths['/api/cases'].post.requestBody.content['application/json'].schema
    expect(cases.properties.patient).toBeTruthy()
    expect(cases.properties.arrivalMode).toBeTruthy()
    expect(cases.required).not.toContain('arrivalMode')
    expect(cases.required).toEqual(expect.arrayContaining(['facilityId', 'patient', 'firstMedicalContactAt']))
    const events = doc.paths['/api/cases/{id}/events'].post.requestBody.content['application/json'].schema
    expect(JSON.stringify(events)).toContain('lysis_bolus')
  })

  it('documents query parameters with their defaults and enums', () => {
    const list = doc.paths['/api/cases'].get.parameters
    expect(list).toContainEqual(
      expect.objectContaining({
        name: 'status',
        in: 'query',
        required: false,
        schema: expect.objectContaining({ enum: ['active', 'closed', 'all'], default: 'active' }),
      }),
    )
    const metrics = doc.paths['/api/metrics'].get.parameters.map((p: any) => p.name)
    expect(metrics).toEqual(expect.arrayContaining(['from', 'to', 'facilityId', 'groupBy', 'cap']))
  })

  it('declares the one error shape on every operation', () => {
    expect(doc.components.schemas.Problem.properties.error.required).toEqual(['code', 'message', 'messageZh'])
    for (const path of Object.values<any>(doc.paths))
      for (const operation of Object.values<any>(path))
        expect(operation.responses.default.content['application/json'].schema).toEqual({
          $ref: '#/components/schemas/Problem',
        })
  })
})
