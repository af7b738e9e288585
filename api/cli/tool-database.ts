/**
 * The database a command-line tool works on: DATABASE_URL, or the embedded server under the data
 * dir. If `npm start` is running it already owns that server: connect to it (its port is in
 * postmaster.pid) instead of starting a second one, which would stop the first.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Config } from '../config.ts'
import { openDatabase } from '../boot.ts'

export interface ToolDatabase {
  url: string
  /** The URL of the maintenance database on the same server (to create or drop databases). */
  adminUrl: string
  close: () => Promise<void>
}

// The embedded server's fixed local password (workflows/runtime/platform/embedded.ts).
const EMBEDDED_PASSWORD = 'xinlian-local'

function runningEmbeddedPort(dataDir: string): number | undefined {
  const pidFile = path.join(dataDir, 'pg', 'postmaster.pid')
  if (!fs.existsSync(pidFile)) return undefined
  const lines = fs.readFileSync(pidFile, 'utf8').split('\n')
  const pid = Number(lines[0])
  const port = Number(lines[3])
  try {
    process.kill(pid, 0)
  } catch {
    return undefined
  }
  return Number.isInteger(port) && port > 0 ? port : undefined
}

const withDatabase = (url: string, db: string) => {
  const u = new URL(url)
  u.pathname = '/' + db
  return u.toString()
}

export async function toolDatabase(config: Config): Promise<ToolDatabase> {
  if (config.databaseUrl)
    return {
      url: config.databaseUrl,
      adminUrl: withDatabase(config.databaseUrl, 'postgres'),
      close: async () => {},
    }
  const port = runningEmbeddedPort(config.dataDir)
  if (port) {
    const url = `postgres://postgres:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/xinlian`
    return { url, adminUrl: withDatabase(url, 'postgres'), close: async () => {} }
  }
  const db = await openDatabase(config)
  return { url: db.url, adminUrl: withDatabase(db.url, 'postgres'), close: async () => db.embedded?.stop() }
}
