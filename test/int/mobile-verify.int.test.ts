/**
 * A mobile number verified by an SMS code (docs/alert-channels.md): the admin sends a code to
 * the number on file through the network's verification template, the person reads it back, the
 * admin enters it. The code is never answered, audited or accepted for another person or number.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { CHANNEL_ENV, configureChannels, vendorFakes } from '../channel-support.ts'
import { testEnv, type TestEnv } from '../harness.ts'
import { PUSH_ENV } from '../push-support.ts'

let t: TestEnv
let fakes: ReturnType<typeof vendorFakes>
let admin: string
const wang = demoId('user:dr.wang')

beforeAll(async () => {
  fakes = vendorFakes()
  t = await testEnv({ env: { ...PUSH_ENV, ...CHANNEL_ENV } })
  await configureChannels(t)
  admin = await t.login('admin')
})
afterAll(async () => {
  await t?.close()
  fakes?.close()
})

const post = (path: string, body: unknown, token = admin) => t.call('POST', path, { token, body })
const verified = async () =>
  (await t.sql<{ v: boolean }[]>`select mobile_verified as v from users where id = ${wang}`)[0]!.v
const setMobile = async (mobile: string) => {
  const r = await t.call('PATCH', `/api/admin/users/${wang}`, { token: admin, body: { mobile } })
  expect(r.status).toBe(200)
}
const lastCode = () => {
  const sms = fakes.texts.at(-1)!
  return { sms, code: (JSON.parse(String(sms.body.TemplateParam)) as { code: string }).code }
}

describe('mobile verified by an SMS code', () => {
  it('needs a verification template in the SMS settings', async () => {
    const r = await post('/api/admin/mobile-code/send', { userId: wang })
    expect(r.status).toBe(409)
    expect(((await r.json()) as { error: { code: string; field: string } }).error).toMatchObject({
      code: 'channel_not_configured',
      field: 'verifyTemplateCode',
    })
  })

  it('sends the code to the number on file; only the right code for that person and number verifies it', async () => {
    const put = await t.call('PUT', '/api/admin/channels/sms', {
      token: admin,
      body: {
        provider: 'aliyun',
        accessKeyId: 'LTAI-sms',
        signName: '心联',
        templateCode: 'SMS_001',
        verifyTemplateCode: 'SMS_VERIFY',
      },
    })
    expect(put.status).toBe(200)
    await setMobile('13900000009')
    expect(await verified()).toBe(false)

    const sent = await post('/api/admin/mobile-code/send', { userId: wang })
    expect(sent.status).toBe(200)
    const text = await sent.text()
    const { sms, code } = lastCode()
    expect(sms.body).toMatchObject({
      Action: 'SendSms',
      PhoneNumbers: '13900000009',
      TemplateCode: 'SMS_VERIFY',
    })
    expect(code).toMatch(/^[0-9]{6}$/)
    expect(text).not.toContain(code)
    const { challenge } = JSON.parse(text) as { challenge: string }

    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0')
    const bad = await post('/api/admin/mobile-code/confirm', { userId: wang, challenge, code: wrong })
    expect(bad.status).toBe(422)
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('mobile_code_invalid')
    // The challenge of dr.wang does not verify dr.lin; a changed byte does not open.
    const other = await post('/api/admin/mobile-code/confirm', {
      userId: demoId('user:dr.lin'),
      challenge,
      code,
    })
    expect(other.status).toBe(422)
    const tampered = challenge.slice(0, -2) + (challenge.endsWith('AA') ? 'BB' : 'AA')
    expect(
      (await post('/api/admin/mobile-code/confirm', { userId: wang, challenge: tampered, code })).status,
    ).toBe(422)
    // Only the admin.
    expect(
      (
        await post(
          '/api/admin/mobile-code/confirm',
          { userId: wang, challenge, code },
          await t.login('dr.chen'),
        )
      ).status,
    ).toBe(403)
    expect(await verified()).toBe(false)

    const ok = await post('/api/admin/mobile-code/confirm', { userId: wang, challenge, code })
    expect(ok.status).toBe(200)
    expect(await verified()).toBe(true)
    const audit = await t.sql<{ after: unknown }[]>`
      select after from audit_log where action = 'user.mobile_verified' and entity_id = ${wang}`
    expect(audit).toHaveLength(1)
    expect(JSON.stringify(audit[0]!.after)).not.toContain(code)

    // A new number is unverified again, and the old challenge does not verify it.
    await setMobile('13900000010')
    expect(await verified()).toBe(false)
    expect((await post('/api/admin/mobile-code/confirm', { userId: wang, challenge, code })).status).toBe(422)
    expect(await verified()).toBe(false)
  })
})
