/** `npm run migrate` — apply the migrations (and install the job-queue schema) and exit. */
import { startCore } from '../boot.ts'
import { loadConfig } from '../config.ts'
import { log } from '../../workflows/runtime/platform/log.ts'

const core = await startCore(loadConfig(), { supervise: false })
const [row] = await core.sql<{ n: number }[]>`select count(*)::int as n from schema_migrations`
log.info('database is up to date', { migrations: row?.n })
await core.stop()
