/**
 * `npm run seed` — seed the demo networks (idempotent).
 * `npm run seed -- --reset` — wipe and re-create a database that holds only demo data.
 * `npm run seed -- --history 12` — also generate 12 months of realistic demo cases (QA issue).
 */
import { parseArgs } from 'node:util'
import { startCore } from '../boot.ts'
import { loadConfig } from '../config.ts'
import { migrate } from '../../workflows/runtime/platform/migrate.ts'
import { log } from '../../workflows/runtime/platform/log.ts'
import { seedHistory } from '../../fixtures/history.ts'
import { networkCount, seedDemo } from '../../fixtures/seed-demo.ts'
import { ensureQueues } from '../../workflows/runtime/boss.ts'
import { derivedUuid } from '../../workflows/runtime/ids.ts'

const { values } = parseArgs({
  options: { reset: { type: 'boolean', default: false }, history: { type: 'string' } },
  allowPositionals: false,
})
const core = await startCore(loadConfig(), { supervise: false })
try {
  const counts = await networkCount(core.sql)
  if (values.reset) {
    if (counts.all > counts.demo) {
      throw new Error('refusing --reset: this database holds non-demo networks')
    }
    // The event log is append-only by design (triggers), so a reset drops and rebuilds the schemas.
    await core.sql.unsafe(
      'drop schema public cascade; create schema public; drop schema if exists pgboss cascade',
    )
    await migrate(core.sql)
    await core.boss.stop({ graceful: false })
    const { startBoss } = await import('../../workflows/runtime/boss.ts')
    const boss = await startBoss(core.db.url, { supervise: false })
    await ensureQueues(boss)
    await boss.stop({ graceful: false })
    await seedDemo(core.sql)
    log.info('demo network reset')
  } else if (counts.demo === 0) {
    if (counts.all > 0) throw new Error('refusing to seed demo logins into a database with real networks')
    await seedDemo(core.sql)
    log.info('demo network seeded')
  } else {
    log.info('demo network already present')
  }
  if (values.history) {
    const months = Number(values.history)
    if (!Number.isInteger(months) || months < 1 || months > 60) throw new Error('--history: months, 1–60')
    // History case ids derive from the seed: the first one tells whether it was already generated.
    const [present] = await core.sql`select 1 from cases where id = ${derivedUuid('history', '2022:0')}`
    if (present) log.info('demo history already present (use --reset first to regenerate)')
    else log.info('demo history seeded', { cases: await seedHistory(core.sql, months) })
  }
} finally {
  await core.stop().catch(() => undefined)
}
