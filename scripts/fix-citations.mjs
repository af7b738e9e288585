#!/usr/bin/env node
/**
 * Rewrite comments (and the few strings) that cite documents outside the repository (the product
 * specification's numbered sections, the house-style rules, the stack notes, the issue tracker)
 * so that they cite the repository's own docs, or say nothing where the sentence already states
 * the rule. test/citations.test.ts fails while any is left.
 *
 *   node scripts/fix-citations.mjs          rewrite in place, list what is left to do by hand
 *   node scripts/fix-citations.mjs --check  change nothing; exit 1 when something would change
 *
 * migrations/ is not touched: migrations are forward-only and never edited once written.
 * Idempotent: a second run changes nothing.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '..')
const DIRS = ['api', 'workflows', 'pwa/src', 'test', 'bench', 'fixtures']
const EXT = /\.(ts|tsx|js|mjs|sql)$/

/** Which file of the repository covers each section of the product specification. */
const SECTION_DOC = {
  1: 'README.md', // the Anxi story
  2: 'docs/admin-api.md', // the network: facilities, travel times, people, rota, readiness
  3: 'docs/clinical-rules.md', // the timeline: events, payloads, corrections, invalid moves
  4: 'docs/clinical-rules.md', // deadlines and alerts
  5: 'docs/qa-api.md', // QA metrics
  6: 'docs/clinical-rules.md', // checklist and dosing
  7: 'README.md', // the people and their screens
  8: 'README.md', // the API contract (served at /api/openapi.json)
  9: 'docs/clinical-rules.md', // sources
  10: 'docs/alert-channels.md',
  11: 'docs/registry-platform.md',
  12: 'docs/ambulance.md',
}
/** Issues whose subject has its own doc; the others are history, not a reason: dropped. */
const ISSUE_DOC = { 6: 'docs/qa-api.md', 8: 'docs/admin-api.md' }

/** Sentences the general rules would read badly in: rewritten whole (checked before the rules). */
const SPECIAL = [
  [
    'every SPEC §5 metric and §4 verdict as expected',
    'every metric (docs/qa-api.md) and deadline verdict (docs/clinical-rules.md) as expected',
  ],
  ["'SPEC §5 (report only); ", "'report only (docs/qa-api.md); "],
  ['— SPEC §8 shape plus', '— the shape README.md documents, plus'],
  ['idempotent (house style\n * 5), so', 'idempotent, so\n *'],
  ["'SPEC §5 aggregates: ", "'Aggregates: "],
  ['— SPEC §5 aggregates of', '— the QA aggregates of'],
  ['SPEC §6 dose suggestion', 'The dose suggestion of docs/clinical-rules.md'],
  ['(Fujian), SPEC §1:', '(Fujian), as README.md tells it:'],
  ['SPEC §1, the Anxi story,', 'The Anxi story of README.md,'],
  ['within the SPEC §5 target', 'within its target (docs/qa-api.md)'],
  ['Every SPEC §5 metric of one case', 'Every metric (docs/qa-api.md) of one case'],
  ['the precision of SPEC §5 metrics', 'the precision of the metrics in docs/qa-api.md'],
  ['in SPEC §5 order', 'in the order of docs/qa-api.md'],
  ['(SPEC §8 `PUSH_ALLOWED_HOSTS`)', '(`PUSH_ALLOWED_HOSTS`, README.md)'],
  ['// SPEC §7: "reason required for decline".', '// A cardiologist who declines must say why.'],
]

const docOf = (n) => SECTION_DOC[n] ?? 'docs/'
const docsOf = (nums) => [...new Set(nums.map(docOf))].join(' and ')

/** Nouns that read "the <noun> of docs/x.md" rather than "the docs/x.md <noun>". */
const NOUN = String.raw`(metrics?|keys?|rule keys?|rule|payload shapes?|payloads?|aggregates|order|time points|on-call rota)`
const SECTIONS = String.raw`§(\d+)((?:\s*(?:,|/|and)\s*§\d+)*)`
const nums = (first, rest) => [first, ...[...(rest ?? '').matchAll(/§(\d+)/g)].map((m) => m[1])]

function rewriteSpec(text) {
  return text
    .replace(new RegExp(String.raw`SPEC ${SECTIONS} ${NOUN}\b`, 'g'), (_, a, rest, noun) => {
      return `${noun} of ${docsOf(nums(a, rest))}`
    })
    .replace(new RegExp(String.raw`SPEC ${SECTIONS}`, 'g'), (_, a, rest) => docsOf(nums(a, rest)))
    .replace(/SPEC\.md/g, 'docs/')
}

/** One part of a parenthetical: its rewrite, or null to drop it. */
function rewritePart(part) {
  const issue = /^issues? #?(\d+)\b(.*)$/s.exec(part)
  if (issue) return ISSUE_DOC[issue[1]] && !issue[2].trim() ? ISSUE_DOC[issue[1]] : null
  const style = /^house style(?: rule)?(?:\s|\n\s*\*\s*)*\d*(?::\s*(.+))?$/s.exec(part)
  if (style) return style[1] ?? null
  if (/^STACK-NOTES\b/.test(part)) return null
  return part
}

const CITES = /issues? #?\d|house style|STACK-NOTES/

function rewriteParentheticals(text) {
  return text.replace(/(\s?)\(([^()]*)\)/g, (whole, space, inner) => {
    if (!CITES.test(inner)) return whole
    // Split at top-level separators, keeping them; "§4.3, §6" after STACK-NOTES goes with it.
    const parts = inner.split(/([,;]\s*)/)
    const out = []
    let dropping = false
    for (let i = 0; i < parts.length; i += 2) {
      const raw = parts[i]
      const sep = parts[i + 1] ?? ''
      const t = raw.trim()
      if (dropping && /^§[\d.]+$/.test(t)) continue
      dropping = false
      const r = rewritePart(t)
      if (r === null) {
        dropping = /^STACK-NOTES\b/.test(t)
        continue
      }
      if (!out.some((o) => o.text === r)) out.push({ text: r, sep })
    }
    if (out.length === 0) return ''
    const body = out.map((o, i) => o.text + (i < out.length - 1 ? o.sep || ', ' : '')).join('')
    return `${space}(${body})`
  })
}

export function rewrite(text) {
  let s = text
  for (const [from, to] of SPECIAL) s = s.split(from).join(to)
  s = rewriteSpec(s)
  s = rewriteParentheticals(s)
  return s
}

/** What the test forbids (built from pieces so this file does not match itself). */
export const FORBIDDEN = new RegExp(
  ['SPEC ' + '§', 'SPEC' + '\\.md', 'issue' + ' #?\\d', 'house' + ' style', 'STACK' + '-NOTES'].join('|'),
  'i',
)

function files() {
  const out = execFileSync('git', ['ls-files', '-co', '--exclude-standard', ...DIRS], {
    cwd: ROOT,
    encoding: 'utf8',
  })
  return out.split('\n').filter((f) => EXT.test(f) && fs.existsSync(path.join(ROOT, f)))
}

function main() {
  const check = process.argv.includes('--check')
  let changed = 0
  const written = []
  const left = []
  for (const f of files()) {
    const file = path.join(ROOT, f)
    const before = fs.readFileSync(file, 'utf8')
    const after = rewrite(before)
    if (after !== before) {
      changed++
      if (check) console.log(`would rewrite ${f}`)
      else {
        fs.writeFileSync(file, after)
        written.push(f)
      }
    }
    after.split('\n').forEach((line, i) => {
      if (FORBIDDEN.test(line)) left.push(`${f}:${i + 1}: ${line.trim()}`)
    })
  }
  // Longer test names may need re-wrapping: format what was rewritten the way the lint checks it.
  const prettier = path.join(ROOT, 'node_modules/.bin/prettier')
  if (!check && written.length && fs.existsSync(prettier))
    execFileSync(prettier, ['--write', '--log-level', 'warn', ...written], { cwd: ROOT, stdio: 'inherit' })
  console.log(`${check ? 'would rewrite' : 'rewrote'} ${changed} file(s)`)
  if (left.length) {
    console.log(`left for a human (${left.length}):`)
    for (const l of left) console.log(`  ${l}`)
  }
  process.exitCode = (check && changed) || left.length ? 1 : 0
}

if (import.meta.url === `file://${process.argv[1]}`) main()
