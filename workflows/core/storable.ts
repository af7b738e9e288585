/**
 * What PostgreSQL can store, checked once for any input (HTTP bodies, imported rows) before
 * anything else reads it: text and jsonb refuse NUL characters (U+0000), UTF-8 has no encoding
 * for an unpaired surrogate, and deeply nested JSON overflows the stack of recursive code
 * (corrections apply changes recursively). Each finding names the field as a dotted path.
 */

/** Nesting beyond any real body (a correction's `changes` is two or three levels deep). */
export const MAX_DEPTH = 32

// eslint-disable-next-line no-control-regex -- NUL is exactly what is looked for
const NUL = /\u0000/
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

export type Unstorable = { field: string; problem: 'nul' | 'surrogate' | 'depth' }

const badText = (s: string): 'nul' | 'surrogate' | null =>
  NUL.test(s) ? 'nul' : LONE_SURROGATE.test(s) ? 'surrogate' : null

/** The first value (or key) PostgreSQL could not store, or null. Iterative: no recursion to overflow. */
export function findUnstorable(value: unknown, maxDepth = MAX_DEPTH): Unstorable | null {
  const stack: { v: unknown; path: string[] }[] = [{ v: value, path: [] }]
  while (stack.length) {
    const { v, path } = stack.pop()!
    const field = path.join('.') || 'body'
    if (typeof v === 'string') {
      const p = badText(v)
      if (p) return { field, problem: p }
      continue
    }
    if (typeof v !== 'object' || v === null) continue
    if (path.length >= maxDepth) return { field, problem: 'depth' }
    const entries: [string, unknown][] = Array.isArray(v)
      ? v.map((x, i) => [String(i), x])
      : Object.entries(v as Record<string, unknown>)
    for (const [k, x] of entries) {
      const p = badText(k)
      // eslint-disable-next-line no-control-regex -- the name is echoed: without what it cannot carry
      if (p) return { field: [...path, k.replace(/[\u0000\uD800-\uDFFF]/g, '?')].join('.'), problem: p }
      stack.push({ v: x, path: [...path, k] })
    }
  }
  return null
}
