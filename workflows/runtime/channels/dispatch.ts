/**
 * The alert ladder at work (workflows/core/ladder.ts says who gets what, when; this runs it).
 *
 * - An alert's first step runs inside the transaction that raised it; each later step of its
 *   own recipients (the voice call at 60 s) is a durable `ladder-step` job sent in that same
 *   transaction, due at the step's clinical time (late → due now). Hand-over steps (second-line,
 *   everyone) are the case's escalation timers and raise their own alert.
 * - A step writes one attempt row per person and channel: `queued` (a send job follows),
 *   `unreachable` (no address on that channel), `capped` (the vendor's per-recipient limit,
 *   workflows/runtime/channels/limits.ts) or `duplicate` (the same SMS already went to that number).
 * - A step that reached nobody moves the ladder on at once to the next hand-over instead of
 *   waiting (and never redials a capped number).
 * - Every step re-checks the case first: an acknowledgement on any channel stops the ladder.
 */
import { randomUUID } from 'node:crypto'
import type { Job, JobWithMetadata, PgBoss } from 'pg-boss'
import {
  alertKindOf,
  CHANNEL_KEYS,
  escalationSteps,
  fold,
  ladderAnchor,
  ladderFor,
  ladderStopped,
  nextEscalationKey,
  ownSteps,
  type CaseState,
  type ChannelKey,
  type NetworkInfo,
  type NotifyTemplate,
} from '../../core/index.ts'
import { fireTimer, type Runtime } from '../apply-event.ts'
import { fromPostgresJs } from '../boss.ts'
import type { NetworkCache } from '../network-cache.ts'
import type { Alert, Notifier } from '../notifier.ts'
import type { Q, Sql } from '../platform/connect.ts'
import { log } from '../platform/log.ts'
import type { SecretBox } from '../platform/secret-box.ts'
import { enqueueAlertPushes, PUSH_ESCALATE_QUEUE, type PushRetry } from '../push/notifier.ts'
import { caseInfoOf, dbNow, loadEvents, lockCase } from '../store/cases.ts'
import { inParallel } from '../workers.ts'
import { withinCaps } from './limits.ts'
import { loadChannels, type NetworkChannels } from './settings.ts'
import {
  cardButtons,
  cardDescription,
  cardRows,
  cardTitle,
  channelMessage,
  templateParams,
  type ChannelMessage,
} from './texts.ts'
import type { OutboundFetch, SendResult, VendorEndpoints } from './vendor.ts'
import { sms, voice, wecom } from './vendors/index.ts'
import type { createTokenCache } from './vendors/index.ts'
import { settleAll } from '../settle.ts'

export const LADDER_STEP_QUEUE = 'ladder-step'
export const CHANNEL_SEND_QUEUE = 'channel-send'

export interface LadderStepJob {
  alertId: string
  step: number
}
export interface ChannelSendJob {
  attemptIds: string[]
}

export interface ChannelDeps {
  sql: Sql
  boss: PgBoss
  networks: NetworkCache
  /** Null when XINLIAN_SECRET_KEY is unset: then no vendor channel can be opened (push only). */
  box: SecretBox | null
  fetch: OutboundFetch
  endpoints: VendorEndpoints
  tokens: ReturnType<typeof createTokenCache>
  publicUrl: string
  pushRetry: PushRetry
}

interface Recipient {
  id: string
  mobile: string | null
  mobileVerified: boolean
  wecomUserId: string | null
  hasPush: boolean
  /** The person's Web Push subscriptions, oldest first. */
  subscriptionIds: string[]
  cardiologist: boolean
}

/** Who an alert reaches and how: its recipients and the network's channel settings, read once per alert. */
interface Reach {
  recipients: Recipient[]
  settings: NetworkChannels
}

async function recipientsOf(q: Q, ids: readonly string[]): Promise<Recipient[]> {
  if (!ids.length) return []
  return q<Recipient[]>`
    select u.id, u.mobile, u.mobile_verified as "mobileVerified", u.wecom_user_id as "wecomUserId",
           array(select s.id from push_subscriptions s where s.user_id = u.id order by s.created_at)::text[]
             as "subscriptionIds",
           exists (select 1 from push_subscriptions s where s.user_id = u.id) as "hasPush",
           exists (select 1 from user_roles r where r.user_id = u.id and r.role = 'cardiologist') as cardiologist
      from users u where u.id = any(${ids}::uuid[]) and u.active
     order by u.id`
}

async function reachOf(q: Q, deps: ChannelDeps, alert: Alert): Promise<Reach> {
  const [recipients, settings] = await Promise.all([
    recipientsOf(q, alert.recipients),
    loadChannels(q, deps.box, alert.networkId),
  ])
  return { recipients, settings }
}

/** Where `r` is reached on `channel` under the network's settings; null when not at all. */
export function addressOf(
  r: Omit<Recipient, 'subscriptionIds'>,
  channel: ChannelKey,
  settings: NetworkChannels,
): string | null {
  switch (channel) {
    case 'webpush':
      return r.hasPush ? 'devices' : null
    case 'wecom':
      return settings.wecom && r.wecomUserId ? r.wecomUserId : null
    case 'sms':
      return settings.sms && r.mobile && r.mobileVerified ? r.mobile : null
    case 'voice':
      return settings.voice && r.mobile && r.mobileVerified ? r.mobile : null
  }
}

const providerOf = (channel: ChannelKey, settings: NetworkChannels): string =>
  channel === 'webpush' ? 'webpush' : channel === 'wecom' ? 'wecom' : (settings[channel]?.provider ?? 'none')

interface StepContext {
  state: CaseState
  network: NetworkInfo
  now: number
}

interface PlannedAttempt {
  id: string
  r: Recipient
  channel: ChannelKey
  address: string | null
  status: 'queued' | 'unreachable' | 'capped' | 'duplicate'
  dedupeKey: string | null
  message: ChannelMessage
}

/**
 * Run one step of `alert`: an attempt row per recipient and channel, the sends queued in this
 * transaction. Returns how many attempts were queued. The rows go in one INSERT and the jobs in
 * one insert per queue (a burst of deadlines raises thousands of alerts a minute; every
 * statement costs the timer worker CPU, bench/fire-capacity.ts): the caps and the SMS
 * de-duplication are decided first, in order, counting the sends already planned in this step as
 * if they were stored (two people may share a number).
 */
async function runStep(
  q: Q,
  deps: ChannelDeps,
  alert: Alert,
  ctx: StepContext,
  step: number,
  channels: readonly ChannelKey[],
  reach: Reach,
): Promise<{ queued: number; capped: number }> {
  const { recipients, settings } = reach
  const planned: PlannedAttempt[] = []
  const plannedTo = new Map<string, number>()
  for (const r of recipients) {
    const message = channelMessage(ctx.state, ctx.network, alert, ctx.now, deps.publicUrl, r.cardiologist)
    for (const channel of channels) {
      const address = addressOf(r, channel, settings)
      const dedupeKey = channel === 'sms' ? `${alert.caseId}:${alert.alertKey ?? alert.template}` : null
      const slot = `${channel}:${address}`
      const already = plannedTo.get(slot) ?? 0
      let status: PlannedAttempt['status'] = 'queued'
      if (address === null) status = 'unreachable'
      else if (!(await withinCaps(q, channel, address, already))) status = 'capped'
      else if (dedupeKey && (already > 0 || (await smsAlreadySent(q, address, dedupeKey))))
        status = 'duplicate'
      if (status === 'queued') plannedTo.set(slot, already + 1)
      planned.push({ id: randomUUID(), r, channel, address, status, dedupeKey, message })
    }
  }
  if (!planned.length) return { queued: 0, capped: 0 }
  const rows = await q<{ id: string }[]>`
    insert into channel_attempts ${q(
      planned.map((p) => ({
        id: p.id,
        network_id: alert.networkId,
        alert_id: alert.id,
        case_id: alert.caseId,
        user_id: p.r.id,
        step,
        channel: p.channel,
        provider: providerOf(p.channel, settings),
        address: p.address,
        status: p.status,
        dedupe_key: p.status === 'queued' ? p.dedupeKey : null,
        message: q.json(p.message as never),
        answer: p.status === 'queued' ? null : p.status,
      })) as never,
    )}
    on conflict do nothing
    returning id`
  const inserted = new Set(rows.map((r) => r.id))
  let queued = 0
  let capped = 0
  const sends: ChannelSendJob[] = []
  const wecomBatch: string[] = []
  const pushTo: Recipient[] = []
  for (const p of planned) {
    // Not inserted: this step ran before (a retried job); its sends are already queued.
    if (!inserted.has(p.id)) continue
    if (p.status === 'capped') capped++
    if (p.status !== 'queued') continue
    queued++
    if (p.channel === 'webpush') pushTo.push(p.r)
    else if (p.channel === 'wecom') wecomBatch.push(p.id)
    else sends.push({ attemptIds: [p.id] })
  }
  // WeCom: one message (one card, one task id) to every recipient of the step, so that one
  // button press can update the card for all of them.
  if (wecomBatch.length) sends.push({ attemptIds: wecomBatch })
  await settleAll([
    pushTo.length
      ? enqueueAlertPushes(
          q,
          deps.boss,
          deps.pushRetry,
          alert,
          ctx,
          pushTo.map((r) => ({
            userId: r.id,
            cardiologist: r.cardiologist,
            subscriptionIds: r.subscriptionIds,
          })),
        )
      : null,
    sendJobs(q, deps.boss, sends),
  ])
  return { queued, capped }
}

/** Why a step that reached nobody moves the ladder on (recorded on the `escalated` event). */
const moveOnReason = (r: { capped: number }) => (r.capped ? 'capped' : 'no_subscription')

async function smsAlreadySent(q: Q, address: string, dedupeKey: string): Promise<boolean> {
  const [r] = await q<{ n: number }[]>`
    select count(*)::int as n from channel_attempts
     where channel = 'sms' and address = ${address} and dedupe_key = ${dedupeKey} and status in ('queued', 'sent')`
  return (r?.n ?? 0) > 0
}

/** The vendor calls of a step, one job each, in one insert (the queue's retry settings apply). */
async function sendJobs(q: Q, boss: PgBoss, jobs: readonly ChannelSendJob[]) {
  if (!jobs.length) return
  await boss.insert(
    CHANNEL_SEND_QUEUE,
    jobs.map((data) => ({ data })),
    { db: fromPostgresJs(q as never) },
  )
}

const channelsOf = (c: readonly ChannelKey[] | 'all'): readonly ChannelKey[] =>
  c === 'all' ? CHANNEL_KEYS : c

/** Move the ladder on at once (after this transaction commits: the case row is locked by it). */
async function escalateSoon(q: Q, boss: PgBoss, network: NetworkInfo, alert: Alert, reason: string) {
  const key = nextEscalationKey(ladderFor(network.ladders, 'consult'), alert)
  if (!key) return
  await boss.send(
    PUSH_ESCALATE_QUEUE,
    { caseId: alert.caseId, key, reason },
    { db: fromPostgresJs(q as never) },
  )
}

/**
 * The notifier of every alert: its first step now, its later own steps as jobs. An escalation
 * alert goes out at once on its hand-over step's channels.
 */
export function channelNotifier(deps: ChannelDeps): Notifier {
  return {
    async deliver(q, alert, ctx) {
      const kind = alertKindOf(alert.template)
      const ladder = ladderFor(ctx.network.ladders, kind)
      let reach: Promise<Reach> | null = null
      const reached = () => (reach ??= reachOf(q, deps, alert))
      if (alert.template === 'escalated') {
        const n = Number(/:escalate:(\d+)$/.exec(alert.alertKey ?? '')?.[1] ?? 0)
        const esc = escalationSteps(ladder).find((e) => e.n === n)
        const r = await runStep(
          q,
          deps,
          alert,
          ctx,
          esc?.step ?? 0,
          channelsOf(esc?.channels ?? 'all'),
          await reached(),
        )
        if (!r.queued) await escalateSoon(q, deps.boss, ctx.network, alert, moveOnReason(r))
        return
      }
      const anchor = ladderAnchor(ctx.state, alert, ctx.now)
      const own = ownSteps(ladder)
      // The later steps' jobs go in one insert, sent with the reads of the steps that run now
      // (pipelined: one round trip less per alert).
      const later = own
        .filter((s) => anchor + s.after > ctx.now)
        .map((s) => ({ data: { alertId: alert.id, step: s.step }, startAfter: new Date(anchor + s.after) }))
      const runNow = async () => {
        for (const s of own) {
          if (anchor + s.after > ctx.now) continue
          const r = await runStep(q, deps, alert, ctx, s.step, channelsOf(s.channels), await reached())
          // Nobody reached now, and no later step of this alert could reach them: move on.
          if (!r.queued && !reachableLater(await reached(), own.slice(own.indexOf(s) + 1)))
            await escalateSoon(q, deps.boss, ctx.network, alert, moveOnReason(r))
        }
      }
      await settleAll([
        runNow(),
        later.length ? deps.boss.insert(LADDER_STEP_QUEUE, later, { db: fromPostgresJs(q as never) }) : null,
      ])
    },
  }
}

function reachableLater(
  { recipients, settings }: Reach,
  steps: readonly { channels: readonly ChannelKey[] | 'all' }[],
): boolean {
  return recipients.some((r) =>
    steps.some((s) => channelsOf(s.channels).some((c) => addressOf(r, c, settings))),
  )
}

interface AlertRow {
  id: string
  caseId: string
  networkId: string
  template: NotifyTemplate
  rule: string | null
  alertKey: string | null
  recipients: string[]
}

/** A `ladder-step` job: re-check the case (acknowledged → nothing), then run the step. */
export async function runLadderStep(
  deps: ChannelDeps,
  job: LadderStepJob,
): Promise<'ran' | 'stopped' | 'gone'> {
  return deps.sql.begin(async (tx) => {
    const [a] = await tx<AlertRow[]>`
      select id, case_id as "caseId", network_id as "networkId", template, rule, alert_key as "alertKey",
             recipients::text[] as recipients
        from alerts where id = ${job.alertId}`
    if (!a) return 'gone'
    // The case lock orders this step after any acknowledgement being recorded right now.
    const [c, now, events] = await Promise.all([lockCase(tx, a.caseId), dbNow(tx), loadEvents(tx, a.caseId)])
    if (!c) return 'gone'
    const network = await deps.networks.get(tx, c.networkId)
    const state = fold(caseInfoOf(c), events, network)
    if (ladderStopped(state, a)) return 'stopped'
    const ladder = ladderFor(network.ladders, alertKindOf(a.template))
    const s = ladder[job.step]
    if (!s || s.to !== 'alert') return 'gone'
    const alert: Alert = { ...a, rule: a.rule }
    const reach = await reachOf(tx, deps, alert)
    const r = await runStep(tx, deps, alert, { state, network, now }, job.step, channelsOf(s.channels), reach)
    if (!r.queued) {
      const rest = ownSteps(ladder).filter((o) => o.step > job.step)
      if (!reachableLater(reach, rest)) await escalateSoon(tx, deps.boss, network, alert, moveOnReason(r))
    }
    return 'ran'
  })
}

interface AttemptRow {
  id: string
  alertId: string
  caseId: string
  networkId: string
  step: number
  channel: ChannelKey
  address: string
  message: ChannelMessage
  status: string
}

/**
 * A `channel-send` job: call the vendor for each queued attempt. Returns true when pg-boss
 * should retry (a network error or a 5xx the vendor client calls retryable).
 */
export async function sendAttempts(
  deps: ChannelDeps,
  rt: Runtime,
  attemptIds: readonly string[],
  lastTry: boolean,
): Promise<boolean> {
  const rows = await deps.sql<AttemptRow[]>`
    select id, alert_id as "alertId", case_id as "caseId", network_id as "networkId", step, channel, address,
           message, status
      from channel_attempts where id = any(${attemptIds}::uuid[]) and status = 'queued'`
  if (!rows.length) return false
  const first = rows[0]!
  const settings = await loadChannels(deps.sql, deps.box, first.networkId)
  let result: SendResult
  try {
    result = await callVendor(deps, settings, rows)
  } catch (e) {
    result = {
      ok: false,
      code: 'error',
      answer: e instanceof Error ? e.message : 'error',
      retryable: true,
      rateLimited: false,
    }
  }
  if (!result.ok && result.retryable && !lastTry) return true
  const status = result.ok ? 'sent' : result.rateLimited ? 'capped' : 'failed'
  await deps.sql`
    update channel_attempts
       set status = ${status}, provider_id = ${result.ok ? result.providerId : null},
           card_response_code = ${(result.ok && result.cardResponseCode) || null},
           answer = ${result.ok ? result.answer : result.code}, sent_at = ${result.ok ? deps.sql`now()` : null}
     where id = any(${rows.map((r) => r.id)}::uuid[]) and status = 'queued'`
  // Only the status and the vendor's code reach the log: never the number, the id or the text.
  if (!result.ok)
    log.warn('channel send failed', {
      channel: first.channel,
      caseId: first.caseId,
      code: result.code,
      status,
    })
  if (!result.ok) await moveOnIfStepFailed(deps, rt, first)
  return false
}

async function callVendor(
  deps: ChannelDeps,
  settings: NetworkChannels,
  rows: AttemptRow[],
): Promise<SendResult> {
  const first = rows[0]!
  const notConfigured: SendResult = {
    ok: false,
    code: 'not_configured',
    answer: '',
    retryable: false,
    rateLimited: false,
  }
  const m = first.message
  switch (first.channel) {
    case 'wecom': {
      if (!settings.wecom) return notConfigured
      const toUsers = rows.map((r) => r.address)
      if (m.actionable)
        return wecom.sendButtonCard(deps.fetch, deps.endpoints, settings.wecom, deps.tokens, {
          toUsers,
          card: {
            taskId: taskIdOf(first.alertId, first.step),
            title: cardTitle(m),
            description: cardDescription(m),
            rows: cardRows(m),
            url: m.wecomUrl ?? m.url,
            buttons: cardButtons(),
          },
        })
      return wecom.sendTextCard(deps.fetch, deps.endpoints, settings.wecom, deps.tokens, {
        toUsers,
        title: cardTitle(m),
        description: cardDescription(m),
        url: m.wecomUrl ?? m.url,
      })
    }
    case 'sms':
      if (!settings.sms) return notConfigured
      return sms.send(deps.fetch, deps.endpoints, settings.sms, {
        mobile: first.address,
        params: templateParams(m, 'sms'),
        outId: first.id,
      })
    case 'voice':
      if (!settings.voice) return notConfigured
      return voice.call(deps.fetch, deps.endpoints, settings.voice, {
        mobile: first.address,
        params: templateParams(m, 'voice'),
        outId: first.id,
      })
    case 'webpush':
      return { ok: false, code: 'not_a_vendor', answer: '', retryable: false, rateLimited: false }
  }
}

/** The WeCom task id of an alert's card (unique per app: one card per alert and step). */
export const taskIdOf = (alertId: string, step: number) => `xl-${alertId}-${step}`
export function alertOfTaskId(taskId: string): { alertId: string; step: number } | null {
  const m = /^xl-([0-9a-f-]{36})-(\d+)$/.exec(taskId)
  return m ? { alertId: m[1]!, step: Number(m[2]) } : null
}

/**
 * A send failed for good (or the vendor said the recipient is capped): when nobody of that
 * step is still being reached, the ladder moves on at once.
 */
async function moveOnIfStepFailed(deps: ChannelDeps, rt: Runtime, a: AttemptRow) {
  const [alert] = await deps.sql<AlertRow[]>`
    select id, case_id as "caseId", network_id as "networkId", template, rule, alert_key as "alertKey",
           recipients::text[] as recipients from alerts where id = ${a.alertId}`
  if (!alert) return
  const [left] = await deps.sql<{ n: number }[]>`
    select count(*)::int as n from channel_attempts
     where alert_id = ${a.alertId} and step = ${a.step} and status in ('queued', 'sent')`
  if ((left?.n ?? 0) > 0) return
  const network = await deps.networks.get(deps.sql, alert.networkId)
  const key = nextEscalationKey(ladderFor(network.ladders, 'consult'), alert)
  if (!key) return
  const fired = await fireTimer(rt, alert.caseId, key, { reason: 'channel_failed' })
  if (fired) log.warn('nobody reached on this step: escalated at once', { caseId: alert.caseId, key })
}

export const CHANNEL_WORKER = { batchSize: 20, pollingIntervalSeconds: 0.5, parallel: 10 }

/** Start the `ladder-step` and `channel-send` workers; returns their ids. */
export async function startChannelWorkers(
  deps: ChannelDeps,
  rt: Runtime,
): Promise<{ step: string; send: string }> {
  const step = await deps.boss.work<LadderStepJob>(
    LADDER_STEP_QUEUE,
    { batchSize: 10, pollingIntervalSeconds: 0.5 },
    async (jobs: Job<LadderStepJob>[]) => {
      for (const job of jobs) await runLadderStep(deps, job.data)
    },
  )
  const send = await deps.boss.work(
    CHANNEL_SEND_QUEUE,
    {
      batchSize: CHANNEL_WORKER.batchSize,
      pollingIntervalSeconds: CHANNEL_WORKER.pollingIntervalSeconds,
      includeMetadata: true,
      perJobResults: true,
    },
    async (jobs: JobWithMetadata<ChannelSendJob>[]) => {
      const results: { id: string; status: 'completed' | 'failed' }[] = []
      await inParallel(jobs, CHANNEL_WORKER.parallel, async (job) => {
        try {
          const retry = await sendAttempts(deps, rt, job.data.attemptIds, job.retryCount >= job.retryLimit)
          results.push({ id: job.id, status: retry ? 'failed' : 'completed' })
        } catch (e) {
          log.error('channel send job failed', { error: e instanceof Error ? e.message : String(e) })
          results.push({ id: job.id, status: 'failed' })
        }
      })
      return results
    },
  )
  return { step, send }
}
