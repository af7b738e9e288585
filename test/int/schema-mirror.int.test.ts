import { afterAll, beforeAll, expect, it } from 'vitest'
import { EVENT_TYPES, FACILITY_LEVELS, ROLES } from '../../workflows/core/index.ts'
import { testEnv, type TestEnv } from '../harness.ts'

let t: TestEnv
beforeAll(async () => {
  t = await testEnv({ seed: false, workers: false })
})
afterAll(async () => t.close())

/** The values a CHECK (col in (...)) constraint allows, read back from the catalog. */
async function checkValues(table: string, column: string): Promise<string[]> {
  const rows = await t.sql<{ def: string }[]>`
    select pg_get_constraintdef(c.oid) as def from pg_constraint c
     where c.conrelid = ${table}::regclass and c.contype = 'c' and pg_get_constraintdef(c.oid) like ${'%' + column + '%'}`
  const def = rows.map((r) => r.def).find((d) => d.includes('ARRAY'))
  return [...(def ?? '').matchAll(/'([a-z_]+)'::text/g)].map((m) => m[1]!).sort()
}

it('database CHECK constraints mirror the core enumerations', async () => {
  expect(await checkValues('case_events', 'type')).toEqual([...EVENT_TYPES].sort())
  expect(await checkValues('user_roles', 'role')).toEqual([...ROLES].sort())
  expect(await checkValues('facilities', 'level')).toEqual([...FACILITY_LEVELS].sort())
})
