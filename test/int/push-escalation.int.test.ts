import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { fireTimer } from '../../workflows/runtime/apply-event.ts'
import { testEnv, type TestEnv } from '../harness.ts'
import {
  decrypt,
  fakeDevice,
  iso,
  postEvent,
  PUSH_ENV,
  pushService,
  startCase,
  subscribe,
  waitFor,
} from '../push-support.ts'

let t: TestEnv
let push: ReturnType<typeof pushService>

beforeAll(async () => {
  push = pushService()
  t = await testEnv({ env: PUSH_ENV })
})
afterAll(async () => {
  await t?.close()
  push?.close()
})

const MIN = 60_000
const user = (u: string) => demoId(`user:${u}`)
const alertsOf = (caseId: string) =>
  t.sql<{ id: string; template: string; alertKey: string | null; recipients: string[] }[]>`
    select id, template, alert_key as "alertKey", recipients::text[] from alerts where case_id = ${caseId} order by created_at`

describe('remote-read escalation along the rota (docs/clinical-rules.md), with back-dated ECG transmissions', () => {
  it('3 min → second-line only; 6 min → every cardiologist of the network; repeats stop at acknowledgement', async () => {
    const devices = { chen: fakeDevice(), lin: fakeDevice(), wang: fakeDevice(), yong: fakeDevice() }
    await subscribe(t, 'dr.chen', devices.chen)
    await subscribe(t, 'dr.lin', devices.lin)
    await subscribe(t, 'dr.wang', devices.wang)
    await subscribe(t, 'dr.yong', devices.yong)
    const three = await startCase(t, 15 * MIN)
    const six = await startCase(t, 15 * MIN)
    await postEvent(t, 'lantian', three, { type: 'ecg_transmitted', via: 'upload', at: iso(3.5 * MIN) })
    await postEvent(t, 'lantian', six, { type: 'ecg_transmitted', via: 'upload', at: iso(6.5 * MIN) })

    // Past deadlines fire after the 5-second late grace (workflows/runtime/timers.ts).
    await waitFor('escalations', async () => {
      const keys = (
        await t.sql<{ key: string; caseId: string }[]>`
        select data->>'timerKey' as key, case_id as "caseId" from case_events
         where type = 'escalated' and case_id in (${three}, ${six})`
      ).map((r) => `${r.caseId}/${r.key}`)
      return keys.length === 3 && keys
    })
    const a3 = (await alertsOf(three)).filter((a) => a.template === 'escalated')
    expect(a3.map((a) => [a.alertKey, a.recipients])).toEqual([['remote_read:escalate:1', [user('dr.lin')]]])
    const a6 = (await alertsOf(six)).filter((a) => a.template === 'escalated')
    expect(a6.map((a) => a.alertKey).sort()).toEqual(['remote_read:escalate:1', 'remote_read:escalate:2'])
    expect(a6.find((a) => a.alertKey === 'remote_read:escalate:2')!.recipients.sort()).toEqual(
      [user('dr.chen'), user('dr.lin'), user('dr.wang')].sort(),
    )

    // Pushes: dr.lin for both cases, dr.wang only for the 6-minute one, never the other county.
    const topic = (c: string) => c.replaceAll('-', '')
    await waitFor(
      'pushes',
      () =>
        push.to(devices.wang).some((p) => p.headers.topic === topic(six)) &&
        push.to(devices.lin).filter((p) => p.headers.topic === topic(three)).length >= 1,
    )
    expect(
      push
        .to(devices.wang)
        .some(
          (p) => p.headers.topic === topic(three) && decrypt(devices.wang, p.body).title.includes('升级'),
        ),
    ).toBe(false)
    expect(push.to(devices.yong)).toHaveLength(0)

    // The escalation repeats every 2 minutes until acknowledged: acknowledging (from the
    // notification: POST /api/alerts/:id/ack with the device session) cancels the repeat.
    const repeatKey = 'remote_read:escalate:1:repeat:1'
    const timer = () => t.sql<{ jobId: string }[]>`
      select job_id as "jobId" from case_timers where case_id = ${three} and key = ${repeatKey}`
    const [armed] = await timer()
    expect(armed).toBeDefined()
    const ack = await t.call('POST', `/api/alerts/${a3[0]!.id}/ack`, { token: await t.login('dr.lin') })
    expect(ack.status).toBe(201)
    expect(await timer()).toHaveLength(0)
    const [job] = await t.sql<{ state: string }[]>`select state from pgboss.job where id = ${armed!.jobId}`
    expect(job!.state).toBe('cancelled')
    expect(await fireTimer(t.deps.rt, three, repeatKey)).toBe(false)
    // A second tap is harmless; someone outside the network cannot acknowledge.
    expect(
      (await t.call('POST', `/api/alerts/${a3[0]!.id}/ack`, { token: await t.login('dr.lin') })).status,
    ).toBe(200)
    expect(
      (await t.call('POST', `/api/alerts/${a3[0]!.id}/ack`, { token: await t.login('dr.yong') })).status,
    ).toBe(404)
    const view = (await (
      await t.call('GET', `/api/cases/${three}`, { token: await t.login('lantian') })
    ).json()) as {
      acknowledgements: { alertKey: string; byName: string }[]
    }
    expect(view.acknowledgements).toEqual([
      expect.objectContaining({ alertKey: 'remote_read:escalate:1', byName: '林主任 Dr Lin' }),
    ])
  })

  it('a cardiologist opening the consult stops the escalation: the 3-minute timer becomes a no-op', async () => {
    const caseId = await startCase(t)
    await postEvent(t, 'lantian', caseId, { type: 'ecg_transmitted', via: 'upload', at: iso(MIN) })
    const consult = (await alertsOf(caseId)).find((a) => a.template === 'consult')!
    expect(consult.recipients).toEqual([user('dr.chen')])
    // Opening from the notification: the convenience route records consult_acknowledged.
    const ack = await t.call('POST', `/api/alerts/${consult.id}/ack`, { token: await t.login('dr.chen') })
    expect(ack.status).toBe(201)
    expect(((await ack.json()) as { type: string }).type).toBe('consult_acknowledged')
    expect(
      await t.sql`select key from case_timers where case_id = ${caseId} and key like 'remote_read:escalate:%'`,
    ).toHaveLength(0)
    expect(await fireTimer(t.deps.rt, caseId, 'remote_read:escalate:1')).toBe(false)
    expect(await fireTimer(t.deps.rt, caseId, 'remote_read:escalate:1', { reason: 'push_failed' })).toBe(
      false,
    )
    // A township physician cannot open a consult on the cardiologist's behalf.
    expect(
      (await t.call('POST', `/api/alerts/${consult.id}/ack`, { token: await t.login('lantian') })).status,
    ).toBe(403)
  })
})
