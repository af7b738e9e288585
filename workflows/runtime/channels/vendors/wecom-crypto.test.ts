import { describe, expect, it } from 'vitest'
import { ProblemError } from '../../../core/problem.ts'
import type { WecomSettings } from '../vendor.ts'
import {
  cardEventXml,
  fakeCorp,
  wecomCallback,
  wecomUrlCheck,
  type Tamper,
} from '../../../../test/fakes/wecom.ts'
import { wecom } from './index.ts'
import { parseFlatXml } from './wecom-xml.ts'

/**
 * The example of WeCom's own callback samples (weworkapi_python callback/Sample.py): token,
 * EncodingAESKey and corp id as configured there, a URL check and an encrypted POST with their
 * signatures. Decrypting them proves the scheme end to end against Tencent's vectors.
 */
const OFFICIAL: WecomSettings = {
  corpId: 'ww1436e0e65a779aee',
  agentId: 1000002,
  secret: 'unused',
  callbackToken: 'hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo',
  callbackAesKey: '6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt',
}
const OFFICIAL_URL_CHECK = {
  msg_signature: '012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb',
  timestamp: '1476416373',
  nonce: '47744683',
  echostr: 'fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==',
}
const OFFICIAL_POST = {
  query: {
    msg_signature: '0c3914025cb4b4d68103f6bfc8db550f79dcf48e',
    timestamp: '1476422779',
    nonce: '1597212914',
  },
  body: '<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName>\n<Encrypt><![CDATA[Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+]]></Encrypt>\n<AgentID><![CDATA[1000002]]></AgentID>\n</xml>',
}

function problemOf(fn: () => unknown) {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(ProblemError)
    return (e as ProblemError).problem
  }
  throw new Error('expected a ProblemError')
}

describe('WeCom callback crypto against the official sample vectors', () => {
  it('answers the URL check with the decrypted echostr', () => {
    expect(wecom.verifyUrl(OFFICIAL, OFFICIAL_URL_CHECK)).toBe('1288432023552776189')
  })

  it('accepts an echostr whose unencoded "+" was decoded to a space', () => {
    const spaced = { ...OFFICIAL_URL_CHECK, echostr: OFFICIAL_URL_CHECK.echostr.replaceAll('+', ' ') }
    expect(spaced.echostr).not.toBe(OFFICIAL_URL_CHECK.echostr)
    expect(wecom.verifyUrl(OFFICIAL, spaced)).toBe('1288432023552776189')
  })

  it('decrypts the sample POST (a text message from ChenJiaShun)', () => {
    expect(wecom.openCallback(OFFICIAL, OFFICIAL_POST.query, OFFICIAL_POST.body)).toEqual({
      kind: 'other',
      event: 'text',
      fromUser: 'ChenJiaShun',
    })
  })

  it('refuses the sample URL check with one character of the signature changed', () => {
    const p = problemOf(() =>
      wecom.verifyUrl(OFFICIAL, {
        ...OFFICIAL_URL_CHECK,
        msg_signature: '112bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb',
      }),
    )
    expect(p).toMatchObject({ code: 'unauthorized', field: 'msg_signature' })
  })

  it('refuses the sample POST for another corp', () => {
    const p = problemOf(() =>
      wecom.openCallback({ ...OFFICIAL, corpId: 'wwsomeoneelse' }, OFFICIAL_POST.query, OFFICIAL_POST.body),
    )
    expect(p.code).toBe('forbidden')
  })
})

describe('WeCom card events built with @wecom/crypto (the fake)', () => {
  const corp = fakeCorp()
  const press = {
    fromUser: 'chen.zhuren',
    taskId: 'alert-7f3a_1',
    eventKey: 'approve',
    responseCode: 'rc-123',
    createTime: 1764590000,
  }

  it('opens a genuine button press into a WecomCardEvent', () => {
    const cb = wecomCallback(corp, cardEventXml(corp, press))
    expect(wecom.openCallback(corp, cb.query, cb.body)).toEqual({
      kind: 'template_card_event',
      toUserName: corp.corpId,
      fromUser: 'chen.zhuren',
      agentId: corp.agentId,
      createTime: 1764590000,
      taskId: 'alert-7f3a_1',
      eventKey: 'approve',
      responseCode: 'rc-123',
    })
  })

  it.each<[Tamper, string]>([
    ['signature', 'unauthorized'],
    ['token', 'unauthorized'],
    ['ciphertext', 'unauthorized'],
    ['corp', 'forbidden'],
  ])('refuses a callback with a tampered %s', (tamper, code) => {
    const cb = wecomCallback(corp, cardEventXml(corp, press), tamper)
    expect(problemOf(() => wecom.openCallback(corp, cb.query, cb.body)).code).toBe(code)
  })

  it('refuses a press for another agent of the same corp', () => {
    const cb = wecomCallback(corp, cardEventXml(corp, { ...press, agentId: corp.agentId + 1 }))
    expect(problemOf(() => wecom.openCallback(corp, cb.query, cb.body))).toMatchObject({
      code: 'forbidden',
      field: 'AgentID',
    })
  })

  it('reports other events as such', () => {
    const xml = `<xml><ToUserName><![CDATA[${corp.corpId}]]></ToUserName><FromUserName><![CDATA[li]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[enter_agent]]></Event><AgentID>${corp.agentId}</AgentID></xml>`
    const cb = wecomCallback(corp, xml)
    expect(wecom.openCallback(corp, cb.query, cb.body)).toEqual({
      kind: 'other',
      event: 'enter_agent',
      fromUser: 'li',
    })
  })

  it('verifies the URL check and refuses a forged or foreign one', () => {
    const ok = wecomUrlCheck(corp)
    expect(wecom.verifyUrl(corp, ok.query)).toBe(ok.echo)
    expect(problemOf(() => wecom.verifyUrl(corp, wecomUrlCheck(corp, 'x', 'signature').query)).code).toBe(
      'unauthorized',
    )
    expect(problemOf(() => wecom.verifyUrl(corp, wecomUrlCheck(corp, 'x', 'corp').query)).code).toBe(
      'forbidden',
    )
  })

  it('names the missing query field', () => {
    const cb = wecomCallback(corp, cardEventXml(corp, press))
    expect(problemOf(() => wecom.openCallback(corp, { ...cb.query, nonce: '' }, cb.body))).toMatchObject({
      code: 'invalid',
      field: 'nonce',
    })
  })
})

describe('parseFlatXml', () => {
  it('reads CDATA and escaped text, skips nested blocks', () => {
    expect(
      parseFlatXml(
        '<?xml version="1.0"?><xml><A><![CDATA[x<y]]></A><B>1 &lt; 2 &amp; &#x4E2D;</B><Sel><Item><K>1</K></Item></Sel><C/></xml>',
      ),
    ).toEqual({ A: 'x<y', B: '1 < 2 & 中', C: '' })
  })

  it.each([
    ['<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><A>&x;</A></xml>'],
    ['<xml><A>&x;</A></xml>'],
    ['<root><A>1</A></root>'],
    ['<xml><A>1</B></xml>'],
    ['<xml><A x="1">1</A></xml>'],
    ['<xml><A><![CDATA[1</A></xml>'],
  ])('refuses %s', (xml) => {
    expect(() => parseFlatXml(xml)).toThrow()
  })
})
