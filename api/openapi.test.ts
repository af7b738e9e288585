import { describe, expect, it } from 'vitest'
import { createApp } from './app.ts'
import { buildOpenApi, docFor } from './openapi.ts'

describe('openapi', () => {
  const app = createApp({} as never)
  const apiRoutes = app.routes.filter(
    (r) => r.path.startsWith('/api/') && r.method !== 'ALL' && !r.path.includes('*'),
  )

  it('documents every route the app registers', () => {
    const undocumented = apiRoutes
      .filter((r) => !docFor(r.method, r.path))
      .map((r) => `${r.method} ${r.path}`)
    expect(undocumented).toEqual([])
  })

  it('carries the validated request schemas', () => {
    const doc = buildOpenApi(app.routes) as any
    expect(
      doc.paths['/api/cases'].post.requestBody.content['application/json'].schema.properties.patient,
    ).toBeTruthy()
    const events = doc.paths['/api/cases/{id}/events'].post.requestBody.content['application/json'].schema
    expect(JSON.stringify(events)).toContain('lysis_bolus')
  })
})
