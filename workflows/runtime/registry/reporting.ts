/**
 * Reporting a case to the national chest-pain-center data platform: QA reviews (审核), then
 * reports (上报) through a pg-boss job with retries; a correction after reporting makes the case
 * "needs update" (derived: an event stored after the last report). docs/registry-platform.md.
 */
import type { PgBoss } from 'pg-boss'
import {
  cpcReport,
  missingRequired,
  referringOf,
  type CpcEcg,
  type CpcFacility,
} from '../../core/cpc-report.ts'
import { SYSTEM_EVENT_TYPES } from '../../core/event-types.ts'
import { fold } from '../../core/fold.ts'
import { problem } from '../../core/problem.ts'
import { registryRecord } from '../../core/registry-record.ts'
import { fromPostgresJs } from '../boss.ts'
import type { Q, Sql } from '../platform/connect.ts'
import type { SecretBox } from '../platform/secret-box.ts'
import { caseInfoOf, getCase, loadEvents } from '../store/cases.ts'
import { loadNetworkInfo } from '../store/network.ts'
import type { AuditCtx } from '../context.ts'
import { inTx } from '../store/admin.ts'
import { audit } from '../store/audit.ts'
import { CpcUnavailable, postReport } from './cpc-client.ts'

export const REGISTRY_QUEUE = 'registry-report'

/** Event types that change nothing the platform holds. */
const NOT_REPORTED: readonly string[] = [...SYSTEM_EVENT_TYPES, 'note']

export interface RegistryJob {
  caseId: string
}

export type RegistryStatus = 'draft' | 'reviewed' | 'reporting' | 'reported' | 'needs_update' | 'failed'

export interface RegistryDeps {
  sql: Sql
  boss: PgBoss
  platformUrl: string
  /** Undefined when XINLIAN_SECRET_KEY is not set: credentials can be neither stored nor used. */
  box: SecretBox | undefined
}

export type RegistryActor = AuditCtx

/** Store (or replace) the reporting hospital's credentials; the secret is sealed, never returned. */
export async function setPlatformCredentials(
  d: RegistryDeps,
  actor: RegistryActor,
  input: {
    facilityId: string
    appId: string
    secretKey: string
    hospitalCode?: string | undefined
    region?: { province: string; city: string; county: string } | undefined
  },
): Promise<void> {
  if (!d.box) throw problem('secret_key_missing')
  const box = d.box
  await inTx(d.sql, async (tx) => {
    const [f] = await tx<{ level: string; hasCathLab: boolean }[]>`
      select level, has_cath_lab as "hasCathLab" from facilities
      where id = ${input.facilityId} and network_id = ${actor.networkId}`
    if (!f) throw problem('unknown_facility', 'facilityId')
    if (!f.hasCathLab) throw problem('not_pci_hospital', 'facilityId')
    await tx`
      insert into platform_credentials (facility_id, network_id, app_id, secret_sealed, secret_last4, updated_by)
      values (${input.facilityId}, ${actor.networkId}, ${input.appId}, ${box.seal(input.secretKey)},
              ${input.secretKey.slice(-4)}, ${actor.userId})
      on conflict (facility_id) do update set app_id = excluded.app_id, secret_sealed = excluded.secret_sealed,
        secret_last4 = excluded.secret_last4, updated_by = excluded.updated_by, updated_at = now()`
    if (input.hospitalCode !== undefined)
      await tx`update facilities set platform_code = ${input.hospitalCode} where id = ${input.facilityId}`
    if (input.region !== undefined)
      await tx`update networks set region = ${tx.json(input.region)} where id = ${actor.networkId}`
    // The audit row names what changed, never the secret.
    await audit(tx, actor, {
      action: 'platform.credentials',
      entity: 'facility',
      entityId: input.facilityId,
      before: null,
      after: { appId: input.appId, secretLast4: input.secretKey.slice(-4), hospitalCode: input.hospitalCode },
    })
  })
}

/** The credentials as the admin screen shows them: whether set and the last 4 characters. */
export async function platformSettings(sql: Q, networkId: string) {
  return sql<{ facilityId: string; appId: string; secretLast4: string; hospitalCode: string | null }[]>`
    select p.facility_id as "facilityId", p.app_id as "appId", p.secret_last4 as "secretLast4",
           f.platform_code as "hospitalCode"
    from platform_credentials p join facilities f on f.id = p.facility_id
    where p.network_id = ${networkId} order by f.name`
}

interface ReportRow {
  status: 'reviewed' | 'reporting' | 'reported' | 'failed'
  registerId: string | null
  reportedUpto: Date | null
  facilityId: string
}

async function reportRow(q: Q, caseId: string): Promise<ReportRow | undefined> {
  const [r] = await q<ReportRow[]>`
    select status, register_id as "registerId", reported_upto as "reportedUpto", facility_id as "facilityId"
    from registry_reports where case_id = ${caseId}`
  return r
}

async function lastRecorded(q: Q, caseId: string): Promise<Date | null> {
  const [r] = await q<
    { at: Date | null }[]
  >`select max(recorded_at) as at from case_events where case_id = ${caseId}`
  return r?.at ?? null
}

/** The status QA sees, with the platform's answers. */
export async function registryStatus(sql: Sql, caseId: string) {
  const row = await reportRow(sql, caseId)
  let status: RegistryStatus = row?.status ?? 'draft'
  if (row && row.reportedUpto && row.registerId && status === 'reported') {
    // A correction or a new time point after the report changes what the platform holds; a note
    // or a system event (a deadline alert) does not.
    const [later] = await sql<{ n: number }[]>`
      select count(*)::int as n from case_events
      where case_id = ${caseId} and recorded_at > ${row.reportedUpto}
        and type <> all(${[...NOT_REPORTED]}::text[])`
    if ((later?.n ?? 0) > 0) status = 'needs_update'
  }
  const attempts = await sql<
    {
      at: Date
      dryRun: boolean
      httpStatus: number | null
      resultCode: number | null
      message: string | null
      errors: unknown
    }[]
  >`
    select at, dry_run as "dryRun", http_status as "httpStatus", result_code as "resultCode", message, errors
    from registry_attempts where case_id = ${caseId} and not dry_run order by at`
  return {
    status,
    registerId: row?.registerId ?? null,
    attempts: attempts.map((a) => ({
      at: a.at.toISOString(),
      resultCode: a.resultCode,
      httpStatus: a.httpStatus,
      message: a.message,
      errors: a.errors,
    })),
  }
}

/** The PCI hospital that reports a case: where the wire was, else the network's PCI center with credentials. */
async function reportingFacility(
  q: Q,
  networkId: string,
  countyFacilityId: string | null,
): Promise<string | null> {
  const rows = await q<{ facilityId: string }[]>`
    select facility_id as "facilityId" from platform_credentials where network_id = ${networkId}`
  const ids = rows.map((r) => r.facilityId)
  if (countyFacilityId && ids.includes(countyFacilityId)) return countyFacilityId
  return ids[0] ?? null
}

/** Build the report of a case as it stands now (what a dry run shows and the job sends). */
export async function buildReport(q: Q, caseId: string) {
  const row = await getCase(q, caseId)
  if (!row) throw problem('not_found')
  const events = await loadEvents(q, caseId)
  const network = await loadNetworkInfo(q, row.networkId)
  const state = fold(caseInfoOf(row), events, network)
  const record = registryRecord(state, network, row.createdAt.getTime())
  const facilityId = await reportingFacility(q, row.networkId, record.countyFacilityId)
  const facilities = new Map<string, CpcFacility>()
  const fRows = await q<{ id: string; name: string; code: string | null }[]>`
    select id, name, platform_code as code from facilities where network_id = ${row.networkId}`
  for (const f of fRows) facilities.set(f.id, { code: f.code ?? '', name: f.name })
  const [net] = await q<{ region: { province?: string; city?: string; county?: string } }[]>`
    select region from networks where id = ${row.networkId}`
  const ecgs: CpcEcg[] = []
  const acquired = state.effective.filter((e) => e.type === 'ecg_acquired').map((e) => e.at)
  const reads = state.effective.filter((e) => e.type === 'diagnosis').map((e) => e.at)
  for (const e of state.effective.filter((x) => x.type === 'ecg_transmitted')) {
    const attachmentId = typeof e.data.attachmentId === 'string' ? e.data.attachmentId : null
    let jpeg: string | null = null
    if (attachmentId) {
      const [a] = await q<{ contentType: string; data: Buffer }[]>`
        select content_type as "contentType", data from attachments where id = ${attachmentId} and case_id = ${caseId}`
      // The platform takes JPEG. Other formats (PNG/HEIC/PDF) are listed without the image:
      // converting needs an image library that this build does not carry (docs/registry-platform.md).
      if (a?.contentType === 'image/jpeg') jpeg = a.data.toString('base64')
    }
    ecgs.push({
      acquiredAt: acquired.filter((t) => t <= e.at).at(-1) ?? null,
      diagnosedAt: reads.find((t) => t >= e.at) ?? null,
      jpegBase64: jpeg,
    })
  }
  const existing = await reportRow(q, caseId)
  const { report, problems } = cpcReport({
    record,
    referring: referringOf(state),
    patient: { sex: row.patient.sex, age: row.patient.age, weightKg: row.patient.weightKg ?? null },
    region: {
      province: net?.region.province ?? '',
      city: net?.region.city ?? '',
      county: net?.region.county ?? '',
    },
    hospital: facilityId ? (facilities.get(facilityId) ?? { code: '', name: '' }) : { code: '', name: '' },
    facilities,
    ecgs,
    registerId: existing?.registerId ?? null,
  })
  return { row, facilityId, report, problems, missing: missingRequired(report) }
}

/** QA reviewed the case (审核): it may now be reported. A review after a correction re-arms it. */
export async function reviewCase(sql: Sql, actor: RegistryActor, caseId: string): Promise<void> {
  await inTx(sql, async (tx) => {
    const row = await getCase(tx, caseId)
    if (!row) throw problem('not_found')
    await tx`
      insert into registry_reports (case_id, network_id, facility_id, status, reviewed_by, reviewed_at)
      values (${caseId}, ${row.networkId}, ${row.facilityId}, 'reviewed', ${actor.userId}, now())
      on conflict (case_id) do update set status = 'reviewed', reviewed_by = excluded.reviewed_by,
        reviewed_at = now(), updated_at = now()`
    await audit(tx, actor, {
      action: 'registry.review',
      entity: 'case',
      entityId: caseId,
      before: null,
      after: null,
    })
  })
}

/** Queue the report (202): only after review, only with credentials, never with a required field empty. */
export async function requestReport(d: RegistryDeps, actor: RegistryActor, caseId: string): Promise<void> {
  await inTx(d.sql, async (tx) => {
    const [locked] = await tx<{ status: string }[]>`
      select status from registry_reports where case_id = ${caseId} for update`
    if (!locked) throw problem('registry_not_reviewed')
    if (locked.status === 'reporting') return
    const status = (await registryStatus(d.sql, caseId)).status
    if (status === 'reported') throw problem('registry_already_reported')
    if (status === 'needs_update') throw problem('registry_not_reviewed')
    const built = await buildReport(tx, caseId)
    if (!built.facilityId) throw problem('platform_not_configured')
    if (built.missing.length || built.problems.length)
      throw problem('registry_incomplete', built.missing[0] ?? built.problems[0]?.field, {
        fields: [...built.missing, ...built.problems.map((p) => p.field)].join(', '),
      })
    await tx`update registry_reports set status = 'reporting', updated_at = now() where case_id = ${caseId}`
    await d.boss.send(REGISTRY_QUEUE, { caseId } satisfies RegistryJob, {
      db: fromPostgresJs(tx as never),
      retryLimit: 8,
      retryDelay: 30,
      retryBackoff: true,
    })
    await audit(tx, actor, {
      action: 'registry.report',
      entity: 'case',
      entityId: caseId,
      before: null,
      after: null,
    })
  })
}

/** The job: build, sign, send, keep the answer. A platform outage throws, so pg-boss retries with backoff. */
export async function sendReport(d: RegistryDeps, caseId: string): Promise<void> {
  const upto = await lastRecorded(d.sql, caseId)
  const built = await buildReport(d.sql, caseId)
  if (!built.facilityId || !d.box) {
    await d.sql`update registry_reports set status = 'failed', updated_at = now() where case_id = ${caseId}`
    return
  }
  const [cred] = await d.sql<{ appId: string; secretSealed: string }[]>`
    select app_id as "appId", secret_sealed as "secretSealed" from platform_credentials where facility_id = ${built.facilityId}`
  if (!cred) return
  let sent
  try {
    sent = await postReport(
      d.platformUrl,
      { appId: cred.appId, secretKey: d.box.open(cred.secretSealed) },
      built.report,
    )
  } catch (e) {
    if (e instanceof CpcUnavailable) {
      await d.sql`
        insert into registry_attempts (case_id, request_id, body, message)
        values (${caseId}, gen_random_uuid(), ${d.sql.json(built.report as never)}, ${e.message})`
      throw e
    }
    throw e
  }
  const a = sent.answer
  await inTx(d.sql, async (tx) => {
    await tx`
      insert into registry_attempts (case_id, request_id, body, http_status, result_code, message, errors)
      values (${caseId}, ${sent.requestId}, ${tx.json(built.report as never)}, ${a.httpStatus}, ${a.resultCode},
              ${a.message}, ${a.errors === null ? null : tx.json(a.errors as never)})`
    if (a.resultCode === 200 && (a.registerId || built.report.RegisterInfo.REGISTER_ID)) {
      await tx`
        update registry_reports set status = 'reported', register_id = coalesce(${a.registerId}, register_id),
          reported_at = now(), reported_upto = ${upto}, updated_at = now()
        where case_id = ${caseId}`
    } else {
      // The platform refused the content: retrying the same body cannot help; QA sees why.
      await tx`update registry_reports set status = 'failed', updated_at = now() where case_id = ${caseId}`
    }
  })
}

export async function startRegistryWorker(d: RegistryDeps): Promise<string> {
  return d.boss.work<RegistryJob>(REGISTRY_QUEUE, { pollingIntervalSeconds: 2 }, async (jobs) => {
    for (const j of jobs) await sendReport(d, j.data.caseId)
  })
}
