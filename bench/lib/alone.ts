import { pathToFileURL } from 'node:url'
import { startCluster, type Cluster } from './cluster.ts'
import { printTable, type BenchResult } from './result.ts'
import { loadAvg, machine } from './stats.ts'

/** True when `meta` is the module Node was asked to run (`npx tsx bench/ingest.ts`). */
export const isMain = (meta: ImportMeta) =>
  process.argv[1] !== undefined && meta.url === pathToFileURL(process.argv[1]).href

/** Run one benchmark module on its own cluster and print its rows. */
export async function runAlone(bench: (c: Cluster) => Promise<BenchResult>): Promise<void> {
  const cluster = await startCluster()
  try {
    process.stdout.write(`machine: ${JSON.stringify(machine())}, load ${loadAvg()}\n`)
    const r = await bench(cluster)
    printTable(r.rows)
    process.stdout.write(JSON.stringify(r.detail, null, 2) + '\n')
  } finally {
    await cluster.stop()
  }
  process.exit(0)
}
