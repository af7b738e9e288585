import crypto from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_ATTACHMENT_BYTES } from '../../workflows/runtime/attachments.ts'
import { testEnv, type TestEnv } from '../harness.ts'
import { JPEG, postEvent, PUSH_ENV, startCase, upload } from '../push-support.ts'

let t: TestEnv
let caseId: string

beforeAll(async () => {
  t = await testEnv({ env: PUSH_ENV, workers: false })
  caseId = await startCase(t)
})
afterAll(async () => t?.close())

const count = async () =>
  (await t.sql<{ n: number }[]>`select count(*)::int as n from attachments where case_id = ${caseId}`)[0]!.n

describe('ECG attachments', () => {
  it('stores a JPEG, PNG, HEIC or PDF (by magic bytes) and serves it to the case’s people only, audited', async () => {
    const jpeg = JPEG()
    const r = await upload(t, 'lantian', caseId, jpeg)
    expect(r.status).toBe(201)
    const meta = (await r.json()) as { id: string; contentType: string; size: number; sha256: string }
    expect(meta).toMatchObject({
      contentType: 'image/jpeg',
      size: jpeg.length,
      sha256: crypto.createHash('sha256').update(jpeg).digest('hex'),
    })
    // Declared type is ignored: a PDF sent as image/png is stored and served as a PDF.
    const pdf = await upload(
      t,
      'lantian',
      caseId,
      Buffer.from('%PDF-1.7\n%ECG 12-lead\n'),
      'image/png',
      'x.png',
    )
    expect(((await pdf.json()) as { contentType: string }).contentType).toBe('application/pdf')
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic'), Buffer.alloc(64)])
    expect(
      ((await (await upload(t, 'lantian', caseId, heic, 'image/heic')).json()) as { contentType: string })
        .contentType,
    ).toBe('image/heic')

    const get = (u: string) => t.call('GET', `/api/attachments/${meta.id}`, { token: u })
    const seen = await get(await t.login('dr.chen'))
    expect(seen.status).toBe(200)
    expect(seen.headers.get('content-type')).toBe('image/jpeg')
    expect(seen.headers.get('cache-control')).toContain('private')
    expect(seen.headers.get('x-content-type-options')).toBe('nosniff')
    expect(Buffer.from(await seen.arrayBuffer()).equals(jpeg)).toBe(true)
    const audit = await t.sql`select 1 from audit_log where action = 'ecg.view' and entity_id = ${meta.id}`
    expect(audit).toHaveLength(1)

    // A cardiologist of another county, a township of another network, another township: 404.
    for (const u of ['dr.yong', 'township2', 'longjuan'])
      expect((await get(await t.login(u))).status).toBe(404)
    expect(
      (await t.call('GET', `/api/attachments/${crypto.randomUUID()}`, { token: await t.login('dr.chen') }))
        .status,
    ).toBe(404)
  })

  it('refuses other types, oversize and truncated bodies, and stores nothing', async () => {
    const before = await count()
    const gif = await upload(t, 'lantian', caseId, Buffer.from('GIF89a........'), 'image/jpeg', 'ecg.jpg')
    expect(gif.status).toBe(422)
    expect(((await gif.json()) as { error: { field: string; code: string } }).error).toMatchObject({
      field: 'file',
      code: 'unsupported_type',
    })
    const html = await upload(
      t,
      'lantian',
      caseId,
      Buffer.from('<html><script>alert(1)</script>'),
      'application/pdf',
    )
    expect(html.status).toBe(422)

    const big = Buffer.alloc(MAX_ATTACHMENT_BYTES + 1)
    big.set([0xff, 0xd8, 0xff], 0)
    const over = await upload(t, 'lantian', caseId, big)
    expect(over.status).toBe(413)

    // A multipart body cut off mid-file (connection dropped): no closing boundary.
    const boundary = '----xinlian' + crypto.randomUUID()
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="ecg.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`
    const cut = Buffer.concat([Buffer.from(head), JPEG().subarray(0, 500)])
    const truncated = await t.app.request(`/api/cases/${caseId}/attachments`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await t.login('lantian')}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      body: cut,
    })
    expect([400, 422]).toContain(truncated.status)
    const noFile = await t.app.request(`/api/cases/${caseId}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await t.login('lantian')}` },
      body: new FormData(),
    })
    expect(noFile.status).toBe(422)
    expect(await count()).toBe(before)
  })

  it('uploads only by clinical staff who can see the case', async () => {
    expect((await upload(t, 'qa', caseId, JPEG())).status).toBe(403)
    expect((await upload(t, 'township2', caseId, JPEG())).status).toBe(404)
    expect((await upload(t, 'longjuan', caseId, JPEG())).status).toBe(404)
  })

  it('ecg_transmitted may only name an ECG of the same case', async () => {
    const other = await startCase(t)
    const up = (await (await upload(t, 'lantian', other, JPEG())).json()) as { id: string }
    const wrong = await postEvent(t, 'lantian', caseId, {
      type: 'ecg_transmitted',
      attachmentId: up.id,
      via: 'upload',
    })
    expect(wrong.status).toBe(422)
    expect(((await wrong.json()) as { error: { field: string } }).error.field).toBe('attachmentId')
    const right = await postEvent(t, 'lantian', other, {
      type: 'ecg_transmitted',
      attachmentId: up.id,
      via: 'upload',
    })
    expect(right.status).toBe(201)
  })
})
