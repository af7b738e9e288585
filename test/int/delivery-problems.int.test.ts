/**
 * Delivery problems go to the people who can act (docs/alert-channels.md): a WeCom send the
 * vendor refuses, and a first-line with no working channel at all, are listed for the network
 * admin and the second-line cardiologist on call; the township physician sees only the attempts
 * that went out (the calm receipt line), and may not read the problem list.
 */
import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { CHANNEL_ENV, configureChannels, SMS, VMS, WECOM } from '../channel-support.ts'
import { testEnv, type TestEnv } from '../harness.ts'
import { iso, postEvent, PUSH_ENV, startCase, waitFor } from '../push-support.ts'

let t: TestEnv
const sends: unknown[] = []
// WeCom answers every app message with a refusal that no retry heals (60020: the server's IP is
// not on the app's trusted list), as WeCom's error-code table documents it.
const vendor = setupServer(
  http.get(`${WECOM}/cgi-bin/gettoken`, ({ request }) => {
    const q = new URL(request.url).searchParams
    if (!q.get('corpid') || !q.get('corpsecret'))
      return HttpResponse.json({ errcode: 41002, errmsg: 'corpid missing' })
    return HttpResponse.json({ errcode: 0, errmsg: 'ok', access_token: 'tok-dp', expires_in: 7200 })
  }),
  http.post(`${WECOM}/cgi-bin/message/send`, async ({ request }) => {
    sends.push(await request.json())
    return HttpResponse.json({ errcode: 60020, errmsg: 'not allow to access from your ip' })
  }),
  http.all(`${VMS}/*`, () => HttpResponse.json({ Code: 'OK', Message: 'OK', RequestId: 'r', CallId: 'c' })),
  http.all(`${SMS}/*`, () => HttpResponse.json({ Code: 'OK', Message: 'OK', RequestId: 'r', BizId: 'b' })),
)

beforeAll(async () => {
  vendor.listen({ onUnhandledRequest: 'bypass' })
  t = await testEnv({ env: { ...PUSH_ENV, ...CHANNEL_ENV } })
  await configureChannels(t)
})
afterAll(async () => {
  await t?.close()
  vendor.close()
})

const MIN = 60_000
interface Problem {
  caseId: string
  userId: string
  userName: string
  reached: boolean
  items: { channel: string; status: string }[]
  answers?: string[]
}
const problemsAs = async (username: string) => {
  const r = await t.call('GET', '/api/delivery-problems', { token: await t.login(username) })
  return { status: r.status, body: (await r.json()) as { problems: Problem[] } }
}
const notificationsAs = async (username: string, caseId: string) => {
  const r = await t.call('GET', `/api/cases/${caseId}/notifications`, { token: await t.login(username) })
  expect(r.status).toBe(200)
  return (await r.json()) as Record<string, unknown>[]
}
async function consult(): Promise<string> {
  const caseId = await startCase(t, 15 * MIN)
  const r = await postEvent(t, 'lantian', caseId, { type: 'ecg_transmitted', via: 'upload', at: iso(5_000) })
  expect(r.status).toBe(201)
  return caseId
}

describe('delivery problems', () => {
  it('a WeCom refusal reaches the admin and the second-line, with the vendor code for the admin; not the township', async () => {
    const caseId = await consult()
    await waitFor('wecom refused', async () =>
      (await notificationsAs('admin', caseId)).some((a) => a.channel === 'wecom' && a.status === 'failed'),
    )
    expect(sends.length).toBeGreaterThan(0)

    const admin = await problemsAs('admin')
    expect(admin.status).toBe(200)
    const chen = admin.body.problems.find((p) => p.caseId === caseId && p.userId === demoId('user:dr.chen'))
    expect(chen).toMatchObject({ reached: false })
    expect(chen!.items).toContainEqual({ channel: 'wecom', status: 'failed' })
    expect(chen!.answers).toContain('60020')

    // dr.lin is the second-line on call in the demo rota: sees the same problem, without vendor codes.
    const lin = await problemsAs('dr.lin')
    expect(lin.status).toBe(200)
    const seen = lin.body.problems.find((p) => p.caseId === caseId && p.userId === demoId('user:dr.chen'))
    expect(seen?.items).toContainEqual({ channel: 'wecom', status: 'failed' })
    expect(seen).not.toHaveProperty('answers')

    // The first-line themself, and the township physician, may not read the list.
    expect((await problemsAs('dr.chen')).status).toBe(403)
    expect((await problemsAs('lantian')).status).toBe(403)

    // The township tablet gets only attempts that went out, without provider details.
    const township = await notificationsAs('lantian', caseId)
    expect(township.every((a) => a.status === 'sent')).toBe(true)
    expect(township.some((a) => 'answer' in a || 'provider' in a || 'delivery' in a)).toBe(false)
    const all = await notificationsAs('admin', caseId)
    expect(all.some((a) => a.status === 'failed' && a.answer === '60020')).toBe(true)
  })

  it('a first-line with no working channel at all is a problem "no working channel"', async () => {
    const admin = await t.login('admin')
    const r = await t.call('PATCH', `/api/admin/users/${demoId('user:dr.chen')}`, {
      token: admin,
      body: { mobile: null, wecomUserId: null },
    })
    expect(r.status).toBe(200)
    const caseId = await consult()
    await waitFor('step 0 recorded', async () =>
      (await notificationsAs('admin', caseId)).some((a) => a.userId === demoId('user:dr.chen')),
    )
    const { body } = await problemsAs('admin')
    const chen = body.problems.find((p) => p.caseId === caseId && p.userId === demoId('user:dr.chen'))
    expect(chen).toMatchObject({ reached: false })
    expect(chen!.items.every((i) => i.status === 'unreachable')).toBe(true)
    expect(chen!.items.map((i) => i.channel).sort()).toEqual(['webpush', 'wecom'])
    // Nothing of it on the township tablet.
    expect(await notificationsAs('lantian', caseId)).toEqual([])
  })
})
