/**
 * First admin of a new network on an empty database:
 *   XINLIAN_DEMO=0 npm start                     # once, to create and migrate the database; then stop it
 *   npm run create-admin -- --network 德化县胸痛救治网络 --network-en "Dehua county" --username dh.admin --name "德化 管理员"
 * Prints a one-time code (24 h) to redeem at the sign-in page (POST /api/auth/redeem). Nothing else
 * is created: the admin builds the network from the admin screens or an import file.
 */
import { parseArgs } from 'node:util'
import { startCore } from '../boot.ts'
import { loadConfig } from '../config.ts'
import { createNetworkWithAdmin } from '../../workflows/runtime/admin/users.ts'

const { values } = parseArgs({
  options: {
    network: { type: 'string' },
    'network-en': { type: 'string' },
    username: { type: 'string' },
    name: { type: 'string' },
  },
})
if (!values.network || !values.username) {
  console.error(
    'usage: create-admin --network <中文名> [--network-en <name>] --username <login> [--name <display name>]',
  )
  process.exit(2)
}
const core = await startCore(loadConfig(), { supervise: false })
try {
  const out = await createNetworkWithAdmin(core.sql, {
    name: values.network,
    nameEn: values['network-en'] ?? null,
    username: values.username,
    displayName: values.name ?? values.username,
    device: 'cli',
  })
  console.log(
    `network ${out.networkId} created; admin "${values.username}" one-time code: ${out.oneTimeCode} (until ${out.expiresAt.toISOString()})`,
  )
} finally {
  await core.stop().catch(() => undefined)
}
