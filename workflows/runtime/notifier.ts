import { randomUUID } from 'node:crypto'
import type { Q } from './platform/connect.ts'
import type { CaseState, Effect, NetworkInfo } from '../core/index.ts'
import { resolveAudience } from './audience.ts'
import { publish } from './live.ts'
import { settleAll } from './settle.ts'

export type NotifyEffect = Extract<Effect, { kind: 'notify' }>

export interface Alert {
  id: string
  caseId: string
  networkId: string
  template: NotifyEffect['template']
  rule: string | null
  alertKey: string | null
  recipients: string[]
}

/**
 * Delivery of alerts. Runs inside the event's (or the timer's) transaction: what it records
 * commits or rolls back with the event. The default records the alert and streams it live;
 * push delivery (workflows/runtime/push) plugs in as another Notifier.
 */
export interface Notifier {
  deliver(q: Q, alert: Alert, ctx: { state: CaseState; network: NetworkInfo; now: number }): Promise<void>
}

export const streamOnly: Notifier = { deliver: async () => {} }

/** Resolve the audience, store the alert, publish it to the live stream, hand it to `notifier`. */
export async function notify(
  q: Q,
  effect: NotifyEffect,
  ctx: { state: CaseState; network: NetworkInfo; now: number },
  notifier: Notifier,
): Promise<Alert> {
  const recipients = await resolveAudience(q, ctx.state, effect.audience, ctx.now)
  // The id is made here so that the row and its live message go out together (pipelined).
  const id = randomUUID()
  const stored = q`
    insert into alerts (id, case_id, network_id, template, rule, alert_key, recipients, created_at)
    values (${id}, ${effect.caseId}, ${ctx.state.info.networkId}, ${effect.template}, ${effect.rule ?? null},
            ${effect.timerKey ?? null}, ${recipients}::uuid[], ${new Date(ctx.now)})`
  const alert: Alert = {
    id,
    caseId: effect.caseId,
    networkId: ctx.state.info.networkId,
    template: effect.template,
    rule: effect.rule ?? null,
    alertKey: effect.timerKey ?? null,
    recipients,
  }
  // The delivery starts with the insert: its reads go out pipelined with it, and its rows that
  // reference the alert (attempts, push deliveries) follow their answers, so come after the row.
  // Every part is awaited before an error is thrown: a statement sent after the transaction
  // ended would run outside it.
  await settleAll([
    stored,
    publish(q, {
      kind: 'alert',
      caseId: alert.caseId,
      networkId: alert.networkId,
      alertId: alert.id,
      template: alert.template,
      rule: alert.rule,
      alertKey: alert.alertKey,
      recipients,
    }),
    notifier.deliver(q, alert, ctx),
  ])
  return alert
}
