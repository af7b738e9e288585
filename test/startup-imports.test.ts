/**
 * The server's start-up time is part of how late a deadline can fire after a crash (the boot
 * re-check runs once the code is loaded; docs/operations.md). Importing date-fns through its
 * barrel (`from 'date-fns'`) loads all ~250 of its modules: 1.7 s of the server's 2 s of import
 * time when it was measured. Server code imports each function from its own subpath
 * (`date-fns/addMinutes`), as the rest of the code does.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { expect, it } from 'vitest'

const ROOT = path.resolve(import.meta.dirname, '..')
const BARREL = /from\s+['"]date-fns['"]/

it('server code imports date-fns functions by subpath, never the barrel', () => {
  const files = execFileSync(
    'git',
    ['ls-files', '-co', '--exclude-standard', 'api', 'workflows', 'fixtures'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  )
    .split('\n')
    .filter((f) => /\.ts$/.test(f) && fs.existsSync(path.join(ROOT, f)))
  expect(files.length).toBeGreaterThan(100)
  const found = files.filter((f) => BARREL.test(fs.readFileSync(path.join(ROOT, f), 'utf8')))
  expect(found).toEqual([])
})
