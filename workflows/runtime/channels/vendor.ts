/**
 * The contract between the alert ladder (which decides who gets what, when) and the vendor
 * clients (which speak WeCom's, Aliyun's and Tencent Cloud's wire formats). The ladder code
 * imports only these types and the functions of `vendors/index.ts`; each vendor module is a
 * plain client over `fetch` with the vendor's documented signing, and knows nothing of cases.
 *
 * Every outbound request goes through an `OutboundFetch` that enforces CHANNEL_ALLOWED_HOSTS and
 * https (see docs/alert-channels.md), so the vendor modules never call the global fetch.
 */

export type ChannelKey = 'webpush' | 'wecom' | 'sms' | 'voice'
export type SmsProvider = 'aliyun' | 'tencent'
export type VoiceProvider = 'tencent' | 'aliyun'

/** fetch restricted to the allowed hosts; throws on a host that is not allowed. */
export type OutboundFetch = (url: string, init: RequestInit) => Promise<Response>

/** The vendors' base URLs (defaults in SPEC; overridable by environment for tests and private gateways). */
export interface VendorEndpoints {
  wecomApiBase: string // WECOM_API_BASE, default https://qyapi.weixin.qq.com
  aliyunSms: string // ALIYUN_SMS_ENDPOINT, default https://dysmsapi.aliyuncs.com
  aliyunVms: string // ALIYUN_VMS_ENDPOINT, default https://dyvmsapi.aliyuncs.com
  tencentSms: string // TENCENT_SMS_ENDPOINT, default https://sms.tencentcloudapi.com
  tencentVms: string // TENCENT_VMS_ENDPOINT, default https://vms.tencentcloudapi.com
}

/** Per-network settings, secrets already decrypted (they never leave the server). */
export interface WecomSettings {
  corpId: string
  agentId: number
  secret: string
  callbackToken: string
  callbackAesKey: string // 43 characters, WeCom's EncodingAESKey
}
export interface SmsSettings {
  provider: SmsProvider
  accessKeyId: string // Aliyun AccessKeyId, or Tencent SecretId
  accessKeySecret: string // Aliyun AccessKeySecret, or Tencent SecretKey
  signName: string
  templateCode: string // Aliyun TemplateCode, or Tencent TemplateId
  sdkAppId?: string // Tencent SmsSdkAppId
  /** The approved verification-code template (one parameter, `code`), to verify a mobile number. */
  verifyTemplateCode?: string
}
export interface VoiceSettings {
  provider: VoiceProvider
  accessKeyId: string
  accessKeySecret: string
  templateCode: string // Aliyun TtsCode, or Tencent TemplateId
  calledShowNumber?: string
  sdkAppId?: string // Tencent VoiceSdkAppid
}

/** The result of one send: what the provider said, as data. */
export type SendResult =
  | {
      ok: true
      providerId: string
      answer: string
      /** WeCom: the key to update this button card later (update_template_card) */
      cardResponseCode?: string
    }
  | {
      ok: false
      /** the provider's own code (e.g. 45033, isv.BUSINESS_LIMIT_CONTROL, LimitExceeded.PhoneNumberOneHourLimit) */
      code: string
      answer: string
      /** worth retrying the same request later (network error, 5xx, expired token already refreshed once) */
      retryable: boolean
      /** the provider refused because of a per-number or per-member rate limit: move the ladder on */
      rateLimited: boolean
    }

/** A WeCom template card of the button-interaction kind (the fields Xinlian uses). */
export interface WecomButtonCard {
  taskId: string // unique per alert; used by update_template_card
  title: string // ≤ 20 characters (WeCom's limit on main_title.title is larger, but the card must be legible)
  description: string
  /** key/value rows: sex · age · facility · clock. Never the patient's name. */
  rows: { key: string; value: string }[]
  /** open-the-consult link (card_action) */
  url: string
  buttons: { key: string; text: string; style?: 1 | 2 | 3 | 4 }[]
}

/** A decrypted, verified WeCom callback event of a card button press. */
export interface WecomCardEvent {
  kind: 'template_card_event'
  toUserName: string // the corp id
  fromUser: string // the WeCom user id who pressed
  agentId: number
  createTime: number // seconds
  taskId: string
  eventKey: string // the button key
  responseCode: string // for update_template_card
}
export type WecomCallback = WecomCardEvent | { kind: 'other'; event: string; fromUser?: string }

/** A delivery report, call result or key press from an SMS/voice provider, normalised. */
export interface ProviderReport {
  channel: 'sms' | 'voice'
  provider: SmsProvider | VoiceProvider
  providerId: string // the id the send returned (BizId / SerialNo / CallId / callid)
  mobile?: string
  delivered?: boolean // sms delivery report
  answered?: boolean // voice: the call was picked up
  keyPressed?: string // voice: DTMF
  at: string // ISO 8601
  code?: string
}
