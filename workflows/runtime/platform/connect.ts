import postgres from 'postgres'

export type Sql = postgres.Sql

/** One postgres.js pool per process. Notices are silenced (`onnotice: false` does not work in 3.4). */
export function connect(url: string, max = 20): Sql {
  return postgres(url, {
    max,
    idle_timeout: 30,
    connect_timeout: 15,
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
