/**
 * Comments cite files inside the repository (docs/clinical-rules.md, docs/alert-channels.md, …),
 * never documents a newcomer who clones it cannot open: the product specification's numbered
 * sections, the house-style rules, the stack notes or the issue tracker. scripts/fix-citations.mjs
 * rewrites such citations to the repository's own docs.
 *
 * migrations/ is left out on purpose: migrations are forward-only and never edited once written,
 * so the citations in their headers stay as they were.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { expect, it } from 'vitest'

const ROOT = path.resolve(import.meta.dirname, '..')
const DIRS = ['api', 'workflows', 'pwa/src', 'test', 'bench', 'fixtures']
const EXT = /\.(ts|tsx|js|mjs|sql)$/
// Built from pieces so that this file does not match itself.
const FORBIDDEN = new RegExp(
  ['SPEC ' + '§', 'SPEC' + '\\.md', 'issue' + ' #?\\d', 'house' + ' style', 'STACK' + '-NOTES'].join('|'),
  'i',
)

it('no source file cites a document outside the repository', () => {
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', ...DIRS], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => EXT.test(f) && fs.existsSync(path.join(ROOT, f)))
  expect(files.length).toBeGreaterThan(100)
  const found = files.flatMap((f) =>
    fs
      .readFileSync(path.join(ROOT, f), 'utf8')
      .split('\n')
      .flatMap((line, i) => (FORBIDDEN.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
  )
  expect(found, 'run `node scripts/fix-citations.mjs`, then fix by hand what it lists').toEqual([])
})

it('the pattern catches each form it is meant to', () => {
  // Pieces again: whole examples here would be citations themselves.
  const [S, I, H, N] = ['SPEC', 'issue', 'house', 'STACK']
  for (const s of [`(${S} §4)`, `see ${S}.md`, `(${I} 8)`, `${I} #12`, `${H} style rule 5`, `${N}-NOTES 1.2`])
    expect(FORBIDDEN.test(s), s).toBe(true)
  expect(FORBIDDEN.test('(docs/clinical-rules.md)')).toBe(false)
})
