/**
 * `npm run size`: the first-load budget (issue 5): gzip size of the JS and CSS that index.html
 * loads (entry script, module preloads, stylesheets), ≤ 150 kB. Builds the PWA first when
 * pwa/dist is missing. Exit code 1 when over budget.
 */
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { build } from 'vite'

const BUDGET_KB = 150
const root = path.resolve(import.meta.dirname, '..')
const dist = path.join(root, 'dist')

if (!fs.existsSync(path.join(dist, 'index.html')))
  await build({ root, configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn' })

const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8')
const refs = [
  ...html.matchAll(/<script[^>]+src="([^"]+)"/g),
  ...html.matchAll(/<link[^>]+rel="(?:stylesheet|modulepreload)"[^>]*href="([^"]+)"/g),
  ...html.matchAll(/<link[^>]+href="([^"]+)"[^>]*rel="(?:stylesheet|modulepreload)"/g),
].map((m) => m[1]!)
const files = [...new Set(refs)].filter((f) => /\.(js|css)$/.test(f))

const rows = files.map((f) => {
  const buf = fs.readFileSync(path.join(dist, f.replace(/^\//, '')))
  return { file: f, raw: buf.length / 1024, gzip: zlib.gzipSync(buf, { level: 9 }).length / 1024 }
})
const total = rows.reduce((s, r) => s + r.gzip, 0)
const sw = fs.readFileSync(path.join(dist, 'sw.js'))

console.log('First load (JS + CSS referenced by index.html)')
console.log('file'.padEnd(44), 'raw kB'.padStart(9), 'gzip kB'.padStart(9))
for (const r of rows)
  console.log(r.file.padEnd(44), r.raw.toFixed(1).padStart(9), r.gzip.toFixed(1).padStart(9))
console.log('total'.padEnd(44), ''.padStart(9), total.toFixed(1).padStart(9))
console.log(`budget ${BUDGET_KB} kB gzip: ${total <= BUDGET_KB ? 'OK' : 'OVER BUDGET'}`)
console.log(
  `(service worker /sw.js, installed in the background: ${(zlib.gzipSync(sw).length / 1024).toFixed(1)} kB gzip)`,
)
if (total > BUDGET_KB) process.exit(1)
