import type { Q } from '../platform/connect.ts'

export interface AlertRow {
  caseId: string
  template: string
  alertKey: string | null
}

export async function alertById(q: Q, alertId: string): Promise<AlertRow | undefined> {
  const [row] = await q<AlertRow[]>`
    select case_id as "caseId", template, alert_key as "alertKey" from alerts where id = ${alertId}`
  return row
}

/** The Web Push attempt of an alert was answered by this person (the ladder's receipts). */
export async function markPushAcknowledged(q: Q, alertId: string, userId: string): Promise<void> {
  await q`update channel_attempts set acknowledged_at = coalesce(acknowledged_at, now())
           where alert_id = ${alertId} and user_id = ${userId} and channel = 'webpush'`
}
