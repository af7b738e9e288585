import { describe, expect, it } from 'vitest'
import { tableMarkdown, type Machine, type Results, type StoredResult } from './table.ts'

const here: Machine = { cpu: 'Xeon', cores: 2, memoryGb: 24, os: 'Linux 6', node: 'v20.20.2' }
const result = (name: string, extra: Partial<StoredResult> = {}): StoredResult => ({
  name,
  rows: [{ bench: name, metric: 'p99', value: 1, unit: 'ms', status: 'ok' }],
  detail: {},
  startedAt: '2026-12-03T11:31:00.000Z',
  commit: 'abc1234',
  seconds: 10,
  loadBefore: 0.2,
  loadAfter: 0.3,
  ...extra,
})
const results = (rs: StoredResult[]): Results => ({
  startedAt: '2026-12-03T11:31:00.000Z',
  seconds: 20,
  commit: 'abc1234',
  machine: here,
  database: 'embedded',
  rows: rs.flatMap((r) => r.rows),
  results: rs,
})

describe('the README performance table', () => {
  it('names the machine once when every benchmark ran on it', () => {
    const text = tableMarkdown(results([result('ingest', { machine: here }), result('timer-lag')]))
    expect(text).toContain('(Xeon, 2 cores, 24 GB, Linux 6, Node 20.20.2; embedded)')
    expect(text).not.toContain('(on ')
  })

  it('names its own machine and database for a benchmark kept from a run elsewhere', () => {
    const epyc: Machine = { ...here, cpu: 'EPYC' }
    const text = tableMarkdown(
      results([
        result('ingest', { machine: epyc, database: 'DATABASE_URL' }),
        result('province', { machine: here, database: 'embedded' }),
      ]),
    )
    expect(text).toContain(
      'ingest 2026-12-03 11:31 UTC `abc1234` 10 s load 0.2 (on EPYC, 2 cores, 24 GB, Linux 6, Node 20.20.2; DATABASE_URL);',
    )
    expect(text).toMatch(/province [^;\n]* load 0\.2\.\n/)
  })

  it('says when a benchmark measured code other than its commit', () => {
    const text = tableMarkdown(
      results([
        result('ingest', { tree: { dirty: ['api/app.ts'], changedDuring: false } }),
        result('province', { tree: { dirty: [], changedDuring: true } }),
        result('memory', { tree: { dirty: [], changedDuring: false } }),
      ]),
    )
    expect(text).toContain(
      'ingest 2026-12-03 11:31 UTC `abc1234` (plus uncommitted changes to api/app.ts) 10 s',
    )
    expect(text).toContain('province 2026-12-03 11:31 UTC `abc1234` (code changed while it ran) 10 s')
    expect(text).toContain('memory 2026-12-03 11:31 UTC `abc1234` 10 s')
  })
})
