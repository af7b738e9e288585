import postgres from 'postgres'

export type Sql = postgres.Sql

/**
 * Seconds before a pool connection tries again after a failed one. postgres.js's default grows as
 * 3^retries / 100 s up to 20 s, and `retries` is shared by the pool's connections: after a few
 * seconds of outage with 20 busy connections it waits 10–20 s, so a database that is back (a
 * restart, a failover) stayed unused for that long. Attempts against a server that is down fail at
 * once (refused, or 57P03 while it starts), so retrying every ≤ 0.5 s costs little.
 * test/int/external-database-loss.int.test.ts measures the recovery.
 */
export function reconnectDelay(retries: number): number {
  return Math.min(0.05 * 2 ** retries, 0.5) * (0.5 + Math.random() / 2)
}

/** One postgres.js pool per process. Notices are silenced (`onnotice: false` does not work in 3.4). */
export function connect(url: string, max = 20): Sql {
  return postgres(url, {
    max,
    idle_timeout: 30,
    connect_timeout: 15,
    backoff: reconnectDelay,
    onnotice: () => {},
    connection: { application_name: 'xinlian' },
  })
}

/** A transaction handle. */
export type Tx = postgres.TransactionSql
/** Anything that runs queries: the pool or a transaction (store functions take this). */
export type Q = postgres.ISql

/** A round trip to the database (the health check). */
export async function ping(sql: Q): Promise<void> {
  await sql`select 1`
}

// Socket errors and postgres.js connection codes that mean "the database is not reachable now".
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
])
// SQLSTATE: class 08 (connection exception), 57P01 admin_shutdown, 57P02 crash_shutdown,
// 57P03 cannot_connect_now (starting up or in recovery after a crash).
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123])$/

/**
 * Whether an error means the database went away (killed, restarting, failing over) rather than
 * that the query was wrong: the HTTP edge answers 503 for these, and the pools reconnect alone.
 */
export function isDatabaseUnavailable(e: unknown, depth = 0): boolean {
  if (typeof e !== 'object' || e === null || depth > 3) return false
  const code = (e as { code?: unknown }).code
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true
  const nested = [(e as { cause?: unknown }).cause, ...((e as { errors?: unknown[] }).errors ?? [])]
  return nested.some((n) => isDatabaseUnavailable(n, depth + 1))
}
