/**
 * `npm run replay -- <caseId>` — recompute a case's deadlines and alerts from its events and show
 * them against what the timeline recorded (alerts entered late fire late: the report says so).
 */
import { startCore } from '../boot.ts'
import { loadConfig } from '../config.ts'
import { replayCase } from '../../workflows/views/replay.ts'
import { dbNow, getCase, loadEvents } from '../../workflows/runtime/store/cases.ts'
import { loadNetworkInfo } from '../../workflows/runtime/store/network.ts'

const caseId = process.argv[2]
if (!caseId) {
  process.stderr.write('usage: npm run replay -- <caseId>\n')
  process.exit(2)
}
const core = await startCore(loadConfig(), { supervise: false })
try {
  const row = await getCase(core.sql, caseId)
  if (!row) throw new Error(`no case ${caseId}`)
  const report = replayCase(
    row,
    await loadEvents(core.sql, caseId),
    await loadNetworkInfo(core.sql, row.networkId),
    await dbNow(core.sql),
  )
  process.stdout.write('deadlines\n')
  for (const d of report.deadlines)
    process.stdout.write(
      `  ${d.rule.padEnd(24)} ${d.status.padEnd(8)} due ${d.dueAt}  met ${d.metAt ?? '-'}\n`,
    )
  process.stdout.write('alerts (expected if entered live → recorded)\n')
  const rec = new Map(report.recordedAlerts.map((a) => [a.key, a]))
  for (const a of report.expectedAlerts)
    process.stdout.write(`  ${a.key.padEnd(32)} ${a.at} → ${rec.get(a.key)?.at ?? 'NOT RECORDED'}\n`)
  for (const k of report.unexpected) process.stdout.write(`  ${k.padEnd(32)} recorded but not expected\n`)
} finally {
  await core.stop()
}
