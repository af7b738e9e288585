/** Network name and settings (docs/admin-api.md), with the defaults a network starts from. */
import { DEFAULT_TZ } from '../../core/admin-rules.ts'
import { problem } from '../../core/problem.ts'
import type { AuditCtx } from '../context.ts'
import type { Sql } from '../platform/connect.ts'
import { inTx, lockNetworkRow, networkRow, updateNetwork, type NetworkSettings } from '../store/admin.ts'
import { audit } from '../store/audit.ts'

const withDefaults = (s: NetworkSettings): NetworkSettings => ({
  checklist: 'cn',
  expectedDoorToWireMinutes: 60,
  timezone: DEFAULT_TZ,
  ...s,
})

const view = (n: { id: string; name: string; nameEn: string | null; settings: NetworkSettings }) => ({
  network: { id: n.id, name: n.name, nameEn: n.nameEn },
  settings: withDefaults(n.settings),
})

export async function networkSettings(sql: Sql, networkId: string) {
  const net = await networkRow(sql, networkId)
  if (!net) throw problem('not_found')
  return view(net)
}

export async function updateSettings(
  sql: Sql,
  ctx: AuditCtx,
  body: { name?: string | undefined; nameEn?: string | null | undefined } & NetworkSettings,
) {
  const net = await inTx(sql, async (tx) => {
    await lockNetworkRow(tx, ctx.networkId)
    const current = await networkRow(tx, ctx.networkId)
    if (!current) throw problem('not_found')
    const { name, nameEn, ...settings } = body
    const next = {
      name: name ?? current.name,
      nameEn: nameEn === undefined ? current.nameEn : nameEn,
      settings: { ...current.settings, ...settings },
    }
    await updateNetwork(tx, ctx.networkId, next)
    await audit(tx, ctx, {
      action: 'network.update',
      entity: 'network',
      entityId: ctx.networkId,
      before: { name: current.name, nameEn: current.nameEn, settings: current.settings },
      after: next,
    })
    return { id: ctx.networkId, ...next }
  })
  return view(net)
}
