/**
 * Summaries of a V8 CPU profile (node:inspector `Profiler.stop`): self time by area of the stack
 * and the top functions. Used by the ingest and fire-capacity profiles (bench/ingest-profile-child.ts,
 * bench/fire-capacity-child.ts), each with its own areas.
 */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]
  samples?: number[]
  timeDeltas?: number[]
  startTime: number
  endTime: number
}

export interface ProfileFn {
  fn: string
  where: string
  selfMs: number
}

/** Which part of the stack a function belongs to (by file), for an HTTP request path. */
export function requestAreaOf(url: string, fn: string): string {
  if (fn === '(idle)') return 'idle (waiting for Postgres / the client)'
  if (fn === '(garbage collector)') return 'garbage collector'
  if (fn === '(program)') return 'V8/native (program)'
  if (url.includes('/workflows/core/')) return 'workflows/core (parse, fold, step, plan)'
  if (url.includes('/workflows/runtime/')) return 'workflows/runtime (effects, store, projection)'
  if (url.includes('/workflows/views/')) return 'workflows/views'
  if (url.includes('/api/')) return 'api (middleware, route)'
  if (url.includes('/node_modules/postgres/')) return 'postgres.js (protocol, parsing)'
  if (url.includes('/node_modules/pg-boss/')) return 'pg-boss'
  if (url.includes('/node_modules/hono/') || url.includes('/node_modules/@hono/'))
    return 'hono + @hono/node-server'
  if (url.includes('/node_modules/zod/')) return 'zod'
  if (url.includes('/node_modules/')) return 'other dependencies'
  if (url.startsWith('node:') || url === '') return 'node internals (http, sockets, crypto)'
  return 'other'
}

export function summarizeProfile(p: CpuProfile, areaOf = requestAreaOf, topN = 25) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  const samples = p.samples ?? []
  const deltas = p.timeDeltas ?? []
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time before sample i; attribute the next delta to sample i.
    const dt = (deltas[i + 1] ?? 0) / 1000
    self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + dt)
  }
  const areas: Record<string, number> = {}
  const fns = new Map<string, ProfileFn>()
  for (const [id, ms] of self) {
    const n = byId.get(id)!
    const { functionName, url, lineNumber } = n.callFrame
    const area = areaOf(url, functionName)
    areas[area] = (areas[area] ?? 0) + ms
    const short = url.replace(/^.*\/(node_modules\/|workflows\/|api\/|bench\/)/, '$1')
    const key = `${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`
    const f = fns.get(key) ?? {
      fn: functionName || '(anonymous)',
      where: `${short}:${lineNumber + 1}`,
      selfMs: 0,
    }
    f.selfMs += ms
    fns.set(key, f)
  }
  const r = (x: number) => Math.round(x * 10) / 10
  return {
    profiledMs: r((p.endTime - p.startTime) / 1000),
    areas: Object.fromEntries(
      Object.entries(areas)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => [k, r(v)]),
    ),
    top: [...fns.values()]
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, topN)
      .map((f) => ({ ...f, selfMs: r(f.selfMs) })),
  }
}

/** A SQL statement's kind: its verb and first table (or function), enough to see what it is for. */
export function statementKind(q: string): string {
  const s = q.replace(/\s+/g, ' ').trim().toLowerCase()
  if (s.startsWith('begin') || s.startsWith('commit') || s.startsWith('rollback')) return s.split(' ')[0]!
  if (s.includes('pg_notify')) return 'notify'
  const verb = s.split(' ')[0]!
  const table =
    /(?:from|into|update|join) ((?:pgboss\.)?[a-z_]+)/.exec(s)?.[1] ??
    /^(?:with|select) .*?([a-z_]+)\(/.exec(s)?.[1] ??
    '?'
  return `${verb} ${table}`
}
