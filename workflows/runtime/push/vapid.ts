import webpush from 'web-push'
import type { Q } from '../platform/connect.ts'

export interface VapidKeys {
  publicKey: string
  privateKey: string
  subject: string
}

const SETTING = 'vapid'

/**
 * The VAPID key pair: from the configuration when given, else generated once and kept in
 * `app_settings`. Race-safe across processes: every starter inserts its own candidate with
 * `on conflict do nothing`, then all read the one that won.
 */
export async function loadVapid(
  q: Q,
  configured: VapidKeys | undefined,
  subject: string,
): Promise<VapidKeys> {
  if (configured) return configured
  const candidate = webpush.generateVAPIDKeys()
  await q`insert into app_settings (key, value) values (${SETTING}, ${q.json({ publicKey: candidate.publicKey, privateKey: candidate.privateKey })})
          on conflict (key) do nothing`
  const [row] = await q<{ value: { publicKey: string; privateKey: string } }[]>`
    select value from app_settings where key = ${SETTING}`
  return { publicKey: row!.value.publicKey, privateKey: row!.value.privateKey, subject }
}
