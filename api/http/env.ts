import type { PgBoss } from 'pg-boss'
import type { Config } from '../config.ts'
import type { Sql } from '../../workflows/runtime/platform/connect.ts'
import type { LoginThrottle } from './login-throttle.ts'
import type { SessionCache } from './session-cache.ts'
import type { SecretBox } from '../../workflows/runtime/platform/secret-box.ts'
import type { Runtime } from '../../workflows/runtime/apply-event.ts'
import type { ChannelDeps } from '../../workflows/runtime/channels/dispatch.ts'
import type { LiveHub } from '../../workflows/runtime/live.ts'
import type { UserRow } from '../../workflows/runtime/store/users.ts'
import type { RegistryDeps } from '../../workflows/runtime/registry/reporting.ts'
import type { RequestCtx } from '../../workflows/runtime/context.ts'

/** Everything the HTTP app needs, injected: tests build their own. */
export interface Deps {
  config: Config
  sql: Sql
  boss: PgBoss
  rt: Runtime
  live: LiveHub
  loginThrottle: LoginThrottle
  /** Sessions recently checked (api/http/session-cache.ts); absent: every request asks the database. */
  sessions?: SessionCache
  registry: RegistryDeps
  /** The alert channels (vendor settings, outbound fetch, secret box). */
  channels: ChannelDeps
  /** Seals secrets at rest; undefined when XINLIAN_SECRET_KEY is not set (two-factor enrolment then answers 503). */
  secretBox: SecretBox | undefined
}

export interface AppEnv {
  Variables: {
    deps: Deps
    user: UserRow
    /** Who asks, set once by requireUser (api/http/auth.ts). */
    ctx: RequestCtx
    tokenHash: string
    requestId: string
  }
}
