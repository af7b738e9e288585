/**
 * The vendor clients the alert ladder calls (see ../vendor.ts for the contract). Each function is
 * a plain client over the guarded `OutboundFetch`; none knows about cases, people or catalogues —
 * the caller passes every text in.
 *
 * Why no vendor SDK: `@alicloud/dysmsapi20170525` (on `@alicloud/openapi-core` and
 * `@darabonba/typescript`) and `tencentcloud-sdk-nodejs-sms` (on `tencentcloud-sdk-nodejs-common`:
 * node-fetch, form-data, https-proxy-agent, json-bigint, uuid, ini) each bring their own HTTP stack,
 * which would bypass the CHANNEL_ALLOWED_HOSTS guard; Aliyun publishes no dyvmsapi package of that
 * generation and Tencent's VMS client ships only inside the all-products SDK. Both vendors
 * document their signatures completely, so the signing (aliyun.ts, tencent.ts) is a few dozen
 * lines over our fetch, checked against the vendors' published examples.
 */
import { problem } from '../../../core/problem.ts'
import type {
  OutboundFetch,
  ProviderReport,
  SendResult,
  SmsProvider,
  SmsSettings,
  VendorEndpoints,
  VoiceProvider,
  VoiceSettings,
} from '../vendor.ts'
import * as aliyun from './aliyun.ts'
import * as tencent from './tencent.ts'
import { getUserIdByOAuthCode, sendButtonCard, sendTextCard, updateCard } from './wecom-api.ts'
import { openCallback, verifyUrl } from './wecom-crypto.ts'

export { createTokenCache, type TokenCache } from './wecom-api.ts'
export { createOutboundFetch, defaultAllowedHosts, endpointsFromEnv } from './outbound.ts'

export const wecom = {
  sendButtonCard,
  sendTextCard,
  updateCard,
  getUserIdByOAuthCode,
  verifyUrl,
  openCallback,
}

interface Outgoing {
  mobile: string
  params: Record<string, string>
  outId: string
}

function reportBody(body: unknown): unknown {
  if (body === null || typeof body !== 'object') throw problem('invalid', 'body')
  return body
}

export const sms = {
  send(
    fetch: OutboundFetch,
    endpoints: VendorEndpoints,
    settings: SmsSettings,
    m: Outgoing,
  ): Promise<SendResult> {
    switch (settings.provider) {
      case 'aliyun':
        return aliyun.sendSms(fetch, endpoints, settings, m)
      case 'tencent':
        return tencent.sendSms(fetch, endpoints, settings, m)
    }
  },
  /** Delivery reports as pushed by the provider; items without an id are skipped. */
  parseReport(provider: SmsProvider, body: unknown): ProviderReport[] {
    const b = reportBody(body)
    switch (provider) {
      case 'aliyun':
        return aliyun.parseSmsReport(b, new Date())
      case 'tencent':
        return tencent.parseSmsReport(b, new Date())
    }
  },
}

export const voice = {
  call(
    fetch: OutboundFetch,
    endpoints: VendorEndpoints,
    settings: VoiceSettings,
    m: Outgoing,
  ): Promise<SendResult> {
    switch (settings.provider) {
      case 'aliyun':
        return aliyun.callTts(fetch, endpoints, settings, m)
      case 'tencent':
        return tencent.callTts(fetch, endpoints, settings, m)
    }
  },
  /** Call results and key presses as pushed by the provider; items without a call id are skipped. */
  parseReport(provider: VoiceProvider, body: unknown): ProviderReport[] {
    const b = reportBody(body)
    switch (provider) {
      case 'aliyun':
        return aliyun.parseVoiceReport(b, new Date())
      case 'tencent':
        return tencent.parseVoiceReport(b, new Date())
    }
  },
}
