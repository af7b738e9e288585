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
