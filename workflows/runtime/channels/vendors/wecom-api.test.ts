import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { WecomButtonCard } from '../vendor.ts'
import { cardPressCallback, fakeCorp, wecomFake } from '../../../../test/fakes/wecom.ts'
import { createOutboundFetch, createTokenCache, endpointsFromEnv, wecom } from './index.ts'

const corp = fakeCorp()
const fake = wecomFake(corp)
const server = setupServer(...fake.handlers)
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  fake.rateLimit(false)
})
afterAll(() => server.close())

const endpoints = endpointsFromEnv({})
const fetch = createOutboundFetch(['qyapi.weixin.qq.com'])

const card = (over: Partial<WecomButtonCard> = {}): WecomButtonCard => ({
  taskId: `alert-${Math.random().toString(36).slice(2)}`,
  title: '急会诊 · 疑似 STEMI',
  description: '蓝田卫生院',
  rows: [
    { key: '性别', value: '男' },
    { key: '年龄', value: '58 岁' },
    { key: '机构', value: '蓝田卫生院' },
    { key: '首诊', value: '13:02' },
  ],
  url: 'https://xinlian.example.test/consults/abc',
  buttons: [
    { key: 'ack', text: '接诊', style: 1 },
    { key: 'approve', text: '批准溶栓', style: 1 },
    { key: 'view', text: '查看', style: 2 },
  ],
  ...over,
})

describe('WeCom message/send with a button-interaction card', () => {
  it('sends the card the fake accepts, and reuses the cached token', async () => {
    const cache = createTokenCache()
    const before = fake.tokenCalls
    const c = card()
    const r1 = await wecom.sendButtonCard(fetch, endpoints, corp, cache, {
      toUsers: ['chen', 'wang'],
      card: c,
    })
    const r2 = await wecom.sendButtonCard(fetch, endpoints, corp, cache, { toUsers: ['chen'], card: card() })
    expect(r1).toMatchObject({ ok: true, providerId: expect.any(String) })
    expect(r2.ok).toBe(true)
    expect(fake.tokenCalls - before).toBe(1)
    const sent = fake.calls('/cgi-bin/message/send').at(-2)!.body
    expect(sent).toMatchObject({
      touser: 'chen|wang',
      msgtype: 'template_card',
      agentid: corp.agentId,
      template_card: {
        card_type: 'button_interaction',
        main_title: { title: c.title, desc: c.description },
        card_action: { type: 1, url: c.url },
        task_id: c.taskId,
        horizontal_content_list: c.rows.map((r) => ({ keyname: r.key, value: r.value })),
        button_list: [
          { key: 'ack', text: '接诊', style: 1 },
          { key: 'approve', text: '批准溶栓', style: 1 },
          { key: 'view', text: '查看', style: 2 },
        ],
      },
    })
  })

  it('concurrent sends with an empty cache share one gettoken', async () => {
    const cache = createTokenCache()
    const before = fake.tokenCalls
    const rs = await Promise.all(
      Array.from({ length: 5 }, () =>
        wecom.sendButtonCard(fetch, endpoints, corp, cache, { toUsers: ['chen'], card: card() }),
      ),
    )
    expect(rs.every((r) => r.ok)).toBe(true)
    expect(fake.tokenCalls - before).toBe(1)
  })

  it('the fake refuses a card without a task_id or with duplicate button keys, as WeCom does', async () => {
    const cache = createTokenCache()
    await wecom.sendTextCard(fetch, endpoints, corp, cache, {
      toUsers: ['chen'],
      title: 't',
      description: 'd',
      url: 'https://x.test',
    })
    const token = fake.calls('/cgi-bin/message/send').at(-1)!.query.access_token!
    const send = async (template_card: object) =>
      (
        await globalThis.fetch(`https://qyapi.weixin.qq.com/cgi-bin/message/send?access_token=${token}`, {
          method: 'POST',
          body: JSON.stringify({
            touser: 'chen',
            msgtype: 'template_card',
            agentid: corp.agentId,
            template_card,
          }),
        })
      ).json()
    const base = {
      card_type: 'button_interaction',
      main_title: { title: 't' },
      task_id: 't1',
      button_list: [{ text: 'a', key: 'a' }],
    }
    expect(await send(base)).toMatchObject({ errcode: 0 })
    expect(await send({ ...base, task_id: undefined })).toMatchObject({ errcode: 40058 })
    expect(
      await send({
        ...base,
        button_list: [
          { text: 'a', key: 'k' },
          { text: 'b', key: 'k' },
        ],
      }),
    ).toMatchObject({ errcode: 40058 })
  })

  it('gets a new token and retries once when WeCom says 42001 (expired)', async () => {
    const cache = createTokenCache()
    expect(
      (await wecom.sendButtonCard(fetch, endpoints, corp, cache, { toUsers: ['chen'], card: card() })).ok,
    ).toBe(true)
    fake.expireTokens()
    const before = fake.tokenCalls
    const sendsBefore = fake.calls('/cgi-bin/message/send').length
    const r = await wecom.sendButtonCard(fetch, endpoints, corp, cache, { toUsers: ['chen'], card: card() })
    expect(r.ok).toBe(true)
    expect(fake.tokenCalls - before).toBe(1)
    expect(fake.calls('/cgi-bin/message/send').length - sendsBefore).toBe(2)
  })

  it('refreshes only once: a second token error is reported as retryable', async () => {
    const cache = createTokenCache()
    fake.failNext(40014, 42001)
    const r = await wecom.sendButtonCard(fetch, endpoints, corp, cache, { toUsers: ['chen'], card: card() })
    expect(r).toMatchObject({ ok: false, code: '42001', retryable: true, rateLimited: false })
  })

  it.each([
    [45009, { retryable: false, rateLimited: true }],
    [45033, { retryable: false, rateLimited: true }],
    [-1, { retryable: true, rateLimited: false }],
    [60020, { retryable: false, rateLimited: false }],
  ])('maps errcode %i', async (errcode, flags) => {
    fake.failNext(errcode)
    const r = await wecom.sendButtonCard(fetch, endpoints, corp, createTokenCache(), {
      toUsers: ['chen'],
      card: card(),
    })
    expect(r).toMatchObject({ ok: false, code: String(errcode), ...flags })
  })

  it('reports the fake’s rate-limit mode as rateLimited', async () => {
    fake.rateLimit()
    const r = await wecom.sendButtonCard(fetch, endpoints, corp, createTokenCache(), {
      toUsers: ['chen'],
      card: card(),
    })
    expect(r).toMatchObject({ ok: false, code: '45033', rateLimited: true })
  })

  it('a card WeCom would refuse never leaves: bad task id, too many buttons', async () => {
    const before = fake.seen.length
    const bad = await wecom.sendButtonCard(fetch, endpoints, corp, createTokenCache(), {
      toUsers: ['chen'],
      card: card({ taskId: 'has space' }),
    })
    const many = await wecom.sendButtonCard(fetch, endpoints, corp, createTokenCache(), {
      toUsers: ['chen'],
      card: card({ buttons: Array.from({ length: 7 }, (_, i) => ({ key: `k${i}`, text: `b${i}` })) }),
    })
    expect(bad).toMatchObject({ ok: false, code: 'invalid_request', retryable: false })
    expect(many).toMatchObject({ ok: false, code: 'invalid_request' })
    expect(fake.seen.length).toBe(before)
  })

  it('no recipient reached (all invalid users) is a failure', async () => {
    const r = await wecom.sendButtonCard(fetch, endpoints, corp, createTokenCache(), {
      toUsers: ['nobody1'],
      card: card(),
    })
    expect(r).toMatchObject({ ok: false, code: 'invaliduser', retryable: false })
  })

  it('a gateway page that echoes the request URL does not carry the secret or the token into the answer', async () => {
    server.use(
      http.get(
        'https://qyapi.weixin.qq.com/cgi-bin/gettoken',
        ({ request }) => new HttpResponse(`Cannot GET ${request.url}`, { status: 404 }),
        {
          once: true,
        },
      ),
    )
    const r = await wecom.sendButtonCard(fetch, endpoints, corp, createTokenCache(), {
      toUsers: ['chen'],
      card: card(),
    })
    expect(r).toMatchObject({ ok: false, code: 'http_404', retryable: false })
    expect(JSON.stringify(r)).not.toContain(corp.secret)
    expect(JSON.stringify(r)).not.toContain(encodeURIComponent(corp.secret))
  })

  it('a wrong secret is a configuration error, not retried', async () => {
    const r = await wecom.sendButtonCard(fetch, endpoints, { ...corp, secret: 'wrong' }, createTokenCache(), {
      toUsers: ['chen'],
      card: card(),
    })
    expect(r).toMatchObject({ ok: false, code: '40001', retryable: false })
    expect(JSON.stringify(r)).not.toContain(corp.secret)
  })
})

describe('the token cache', () => {
  it('forgets a token at its expiry, per corp and secret', () => {
    const cache = createTokenCache()
    cache.set('ww1:abc', 'tok', 1_000)
    expect(cache.get('ww1:abc', 999)).toBe('tok')
    expect(cache.get('ww1:abc', 1_000)).toBeUndefined()
    expect(cache.get('ww2:abc', 999)).toBeUndefined()
  })

  it('a changed secret does not reuse the old corp token', async () => {
    const cache = createTokenCache()
    expect(
      (await wecom.sendButtonCard(fetch, endpoints, corp, cache, { toUsers: ['chen'], card: card() })).ok,
    ).toBe(true)
    const r = await wecom.sendButtonCard(fetch, endpoints, { ...corp, secret: 'rotated-but-wrong' }, cache, {
      toUsers: ['chen'],
      card: card(),
    })
    expect(r).toMatchObject({ ok: false, code: '40001' })
  })
})

describe('WeCom textcard, update_template_card and OAuth', () => {
  it('sends a textcard with title, description and url', async () => {
    const r = await wecom.sendTextCard(fetch, endpoints, corp, createTokenCache(), {
      toUsers: ['chen'],
      title: '急会诊',
      description: '男 58 岁 · 蓝田卫生院',
      url: 'https://xinlian.example.test/consults/abc',
    })
    expect(r.ok).toBe(true)
    expect(fake.calls('/cgi-bin/message/send').at(-1)!.body).toEqual({
      touser: 'chen',
      msgtype: 'textcard',
      agentid: corp.agentId,
      textcard: {
        title: '急会诊',
        description: '男 58 岁 · 蓝田卫生院',
        url: 'https://xinlian.example.test/consults/abc',
      },
    })
  })

  it('updates the card with the response code of a press, once', async () => {
    const press = cardPressCallback(fake, corp, { fromUser: 'chen', taskId: 'alert-1', eventKey: 'ack' })
    const ev = wecom.openCallback(corp, press.query, press.body)
    if (ev.kind !== 'template_card_event') throw new Error('expected a card event')
    const args = {
      userIds: ['chen', 'wang'],
      responseCode: ev.responseCode,
      replaceName: '已由 陈主任 接诊 13:14',
    }
    const cache = createTokenCache()
    expect(await wecom.updateCard(fetch, endpoints, corp, cache, args)).toMatchObject({ ok: true })
    expect(fake.calls('/cgi-bin/message/update_template_card').at(-1)!.body).toEqual({
      userids: ['chen', 'wang'],
      agentid: corp.agentId,
      response_code: ev.responseCode,
      button: { replace_name: '已由 陈主任 接诊 13:14' },
    })
    expect(await wecom.updateCard(fetch, endpoints, corp, cache, args)).toMatchObject({
      ok: false,
      code: '40058',
      retryable: false,
    })
  })

  it('resolves an OAuth code to the member’s user id, once; a non-member or bad code is null', async () => {
    const cache = createTokenCache()
    const code = fake.oauthCode('chen')
    expect(await wecom.getUserIdByOAuthCode(fetch, endpoints, corp, cache, code)).toBe('chen')
    expect(await wecom.getUserIdByOAuthCode(fetch, endpoints, corp, cache, code)).toBeNull()
    expect(
      await wecom.getUserIdByOAuthCode(fetch, endpoints, corp, cache, fake.oauthCode('external:o123')),
    ).toBeNull()
    expect(await wecom.getUserIdByOAuthCode(fetch, endpoints, corp, cache, 'forged')).toBeNull()
  })

  it('an unreachable WeCom, or a wrong secret, is `unavailable`, not a null user', async () => {
    server.use(
      http.get('https://qyapi.weixin.qq.com/cgi-bin/auth/getuserinfo', () => HttpResponse.error(), {
        once: true,
      }),
    )
    const unavailable = { problem: { code: 'unavailable' } }
    await expect(
      wecom.getUserIdByOAuthCode(fetch, endpoints, corp, createTokenCache(), 'x'),
    ).rejects.toMatchObject(unavailable)
    await expect(
      wecom.getUserIdByOAuthCode(
        fetch,
        endpoints,
        { ...corp, secret: 'wrong' },
        createTokenCache(),
        fake.oauthCode('chen'),
      ),
    ).rejects.toMatchObject(unavailable)
  })
})
