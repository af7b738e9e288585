/**
 * `npm run audit:verify` — walk the tamper-evident audit chains and report the first broken row of
 * each chain; exit 1 when any is broken. Prints the head hash of each chain: recording it outside
 * the database (a ticket, a printout) lets a later run prove the history was not rewritten whole.
 */
import { loadConfig } from '../config.ts'
import { connect } from '../../workflows/runtime/platform/connect.ts'
import { verifyAuditChain } from '../../workflows/runtime/security/audit-chain.ts'
import { toolDatabase } from './tool-database.ts'

const db = await toolDatabase(loadConfig())
const sql = connect(db.url, 2)
let intact = false
try {
  const r = await verifyAuditChain(sql)
  for (const h of r.heads) console.log(`chain ${h.chain}: ${h.seq} rows, head ${h.hash}`)
  if (r.broken.length === 0) {
    console.log(`audit chain intact: ${r.rows} rows in ${r.chains} chains`)
    intact = true
  } else {
    for (const b of r.broken)
      console.error(
        `audit chain BROKEN in ${b.chain}: ${b.reason} at row id ${b.id ?? '-'} (chain position ${b.chainSeq ?? '-'})`,
      )
  }
} finally {
  await sql.end()
  await db.close()
}
process.exit(intact ? 0 : 1)
