import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { fireTimers } from '../../workflows/runtime/apply-event.ts'
import { LIVE_CHANNEL, type LiveMessage } from '../../workflows/runtime/live.ts'
import { testEnv, type TestEnv } from '../harness.ts'

const LANTIAN = demoId('facility:lantian')
let t: TestEnv
beforeAll(async () => {
  t = await testEnv({ workers: false })
})
afterAll(async () => t.close())

async function lateCase(): Promise<string> {
  const id = crypto.randomUUID()
  const r = await t.call('POST', '/api/cases', {
    token: await t.login('lantian'),
    body: {
      id,
      facilityId: LANTIAN,
      patient: { sex: 'male', age: 61 },
      // first_ecg warns at FMC + 7 min: already due, not yet missed.
      firstMedicalContactAt: new Date(Date.now() - 8 * 60_000).toISOString(),
      arrivalMode: 'walk_in',
    },
  })
  expect(r.status).toBe(201)
  return id
}

describe('fireTimers (a burst, several timers to a transaction)', () => {
  it('records each due timer once, ignores stale and unknown ones, and is idempotent', async () => {
    const ids = [await lateCase(), await lateCase(), await lateCase()]
    const jobs = [
      ...ids.map((caseId) => ({ caseId, key: 'first_ecg:warn' })),
      { caseId: ids[0]!, key: 'first_ecg:missed' }, // not due yet: a no-op
      { caseId: crypto.randomUUID(), key: 'first_ecg:warn' }, // no such case
    ]
    const heard: LiveMessage[] = []
    const sub = await t.sql.listen(LIVE_CHANNEL, (m) => heard.push(JSON.parse(m) as LiveMessage))
    expect(await fireTimers(t.deps.rt, jobs)).toBe(3)
    expect(await fireTimers(t.deps.rt, jobs)).toBe(0)
    // The transaction's live messages (sent as one statement at its end) arrive after the commit:
    // for each case its system event and its alert.
    const ofBurst = () => heard.filter((m) => 'caseId' in m && ids.includes(m.caseId))
    await vi.waitFor(() => expect(ofBurst().length).toBe(6))
    await sub.unlisten()
    for (const id of ids)
      expect(
        ofBurst()
          .filter((m) => 'caseId' in m && m.caseId === id)
          .map((m) => m.kind)
          .sort(),
      ).toEqual(['alert', 'case'])
    // The fired timers are forgotten (one DELETE for the transaction), the follow-ups kept.
    const left = await t.sql`
      select 1 from case_timers where key = 'first_ecg:warn' and case_id = any(${ids}::uuid[])`
    expect(left.length).toBe(0)
    // Each alert's ladder step recorded an attempt per recipient and channel (one INSERT per step).
    const attempts = await t.sql<{ n: number; channels: string[] }[]>`
      select count(*)::int as n, array_agg(distinct channel order by channel) as channels
        from channel_attempts where case_id = any(${ids}::uuid[]) and step = 0`
    expect(attempts[0]!.channels).toEqual(['webpush', 'wecom'])
    expect(attempts[0]!.n % 2).toBe(0)
    expect(attempts[0]!.n).toBeGreaterThanOrEqual(6)
    const rows = await t.sql<{ caseId: string; n: number }[]>`
      select case_id as "caseId", count(*)::int as n from case_events
       where type = 'deadline_warning' and case_id = any(${ids}::uuid[]) group by case_id`
    expect(rows.map((r) => r.n)).toEqual([1, 1, 1])
    const alerts =
      await t.sql`select 1 from alerts where alert_key = 'first_ecg:warn' and case_id = any(${ids}::uuid[])`
    expect(alerts.length).toBe(3)
    // The follow-up (first repeat of the warning) is armed for each case.
    const timers = await t.sql`
      select 1 from case_timers where key = 'first_ecg:warn:repeat:1' and case_id = any(${ids}::uuid[])`
    expect(timers.length).toBe(3)
  })
})
